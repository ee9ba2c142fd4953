// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MilterAddressTest {

    @Test
    void postfixSyntax() {
        assertThat(MilterAddress.parse("inet:127.0.0.1:10027")).isEqualTo(MilterAddress.inet("127.0.0.1", 10027));
        assertThat(MilterAddress.parse("inet:localhost:8891")).isEqualTo(MilterAddress.inet("localhost", 8891));
        assertThat(MilterAddress.parse("inet:[::1]:10027")).isEqualTo(MilterAddress.inet("::1", 10027));
        assertThat(MilterAddress.parse("unix:/run/milter.sock")).isEqualTo(MilterAddress.unix(Path.of("/run/milter.sock")));
    }

    @Test
    void libmilterSyntax() {
        assertThat(MilterAddress.parse("inet:10027@127.0.0.1")).isEqualTo(MilterAddress.inet("127.0.0.1", 10027));
        assertThat(MilterAddress.parse("inet6:10027@[::1]")).isEqualTo(MilterAddress.inet("::1", 10027));
        assertThat(MilterAddress.parse("local:/tmp/m.sock").isUnix()).isTrue();
    }

    @Test
    void printsPostfixSyntax() {
        assertThat(MilterAddress.inet("::1", 25).toString()).isEqualTo("inet:[::1]:25");
        assertThat(MilterAddress.parse("local:/tmp/m.sock").toString()).isEqualTo("unix:/tmp/m.sock");
    }

    @Test
    void refusesNonsense() {
        assertThatThrownBy(() -> MilterAddress.parse("localhost")).hasMessageContaining("type prefix");
        assertThatThrownBy(() -> MilterAddress.parse("127.0.0.1:25")).hasMessageContaining("not inet");
        assertThatThrownBy(() -> MilterAddress.parse("tcp:host:25")).hasMessageContaining("not inet");
        assertThatThrownBy(() -> MilterAddress.parse("inet:host")).hasMessageContaining("inet:host:port");
        assertThatThrownBy(() -> MilterAddress.parse("inet:host:http")).hasMessageContaining("numeric port");
        assertThatThrownBy(() -> MilterAddress.parse("inet:host:0")).hasMessageContaining("port out of range");
        assertThatThrownBy(() -> MilterAddress.parse("unix:")).hasMessageContaining("empty path");
    }
}

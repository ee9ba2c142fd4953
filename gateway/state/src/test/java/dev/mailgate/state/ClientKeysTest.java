// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ClientKeysTest {
    final ClientKeys keys = new ClientKeys(24, 64);

    @Test
    void ipv4ClientsAreGroupedByTheirNetwork() {
        assertThat(keys.network("192.0.2.77")).contains("192.0.2.0/24");
        assertThat(keys.network("192.0.2.1")).isEqualTo(keys.network("192.0.2.254"));
        assertThat(keys.network("192.0.3.1")).isNotEqualTo(keys.network("192.0.2.1"));
        assertThat(new ClientKeys(32, 128).network("192.0.2.77")).contains("192.0.2.77/32");
    }

    @Test
    void ipv6ClientsAreGroupedByTheirSlash64() {
        assertThat(keys.network("2001:db8:1:2:aaaa::1")).contains("2001:db8:1:2:0:0:0:0/64");
        assertThat(keys.network("2001:db8:1:2::ffff")).isEqualTo(keys.network("2001:db8:1:2:aaaa::1"));
        assertThat(keys.network("2001:db8:1:3::1")).isNotEqualTo(keys.network("2001:db8:1:2::1"));
    }

    @Test
    void noAddressNoKey() {
        assertThat(keys.network("")).isEmpty();
        assertThat(keys.network("mail.example.org")).isEmpty();
    }

    @Test
    void prefixesAreChecked() {
        assertThatThrownBy(() -> new ClientKeys(33, 64)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ClientKeys(24, 129)).isInstanceOf(IllegalArgumentException.class);
    }
}

// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mailgate.app.Gateway;
import dev.mailgate.app.TestPolicies;
import dev.mailgate.testkit.mta.CommandResult;
import dev.mailgate.testkit.mta.MiltertestRunner;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** OpenDKIM's miltertest (a libmilter-faithful fake MTA) drives the gateway: an MTA-independent check. */
class MiltertestIT {
    static final String POLICY = """
            listen:
              - milter: inet:127.0.0.1:0
            rules:
              onRcptTo:
                - if: rcptTo == "unknown@lua.test"
                  then: { reject: "550 5.1.1 no such user" }
              onDataReceived:
                - if: subject.contains("reject-me")
                  then: { reject: "554 5.7.1 refused" }
                - then:
                    - addHeader: "X-Mailgate: ${mtaHostname} ${remoteSmtpIp} ${remoteSmtpHost}"
                    - removeHeader: X-Drop
            """;
    static Gateway gateway;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(MiltertestRunner.isAvailable(), "miltertest is not installed (run .ci/install-test-deps.sh)");
        gateway = Gateway.start(() -> TestPolicies.parse("miltertest-it.yaml", POLICY));
        port = ((InetSocketAddress) gateway.boundAddresses().get(0)).getPort();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) gateway.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"accept-adds-header.lua", "reject-recipient.lua"})
    void scenario(String script) {
        CommandResult r = new MiltertestRunner()
                .define("sock", "inet:" + port + "@127.0.0.1")
                .timeout(Duration.ofSeconds(60))
                .run(Path.of("src/test/resources/miltertest", script));
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.timedOut()).isFalse();
    }
}

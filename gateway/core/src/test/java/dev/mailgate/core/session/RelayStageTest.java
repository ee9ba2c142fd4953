// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.api.Stage;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Verdict;
import dev.mailgate.core.Pipeline;
import dev.mailgate.core.policy.FilterRegistry;
import dev.mailgate.core.policy.PolicyException;
import dev.mailgate.core.policy.PolicyLoader;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

/** onRelay as the SMTP proxy fires it: once per session, after onConnect, before the downstream connection. */
class RelayStageTest {
    static final PolicyLoader LOADER = new PolicyLoader(new FilterRegistry(List.of()), Clock.systemUTC());
    static final SessionEvent.Relay DEFAULTS = new SessionEvent.Relay("127.0.0.1", 10025, true, false, false, false, "proxy.example");

    static Session connected(String rules) {
        Session s = new Pipeline(LOADER.parse("r.yaml", rules)).open("t", MacroSource.NONE);
        s.process(new SessionEvent.Connect("[192.0.2.1]", "192.0.2.1", 4000, "198.51.100.1", 25));
        return s;
    }

    @Test
    void theStageSortsRightAfterOnConnect() {
        assertThat(Stage.RELAY.compareTo(Stage.CONNECT)).isPositive();
        assertThat(Stage.RELAY.compareTo(Stage.EHLO)).isNegative();
        assertThat(Stage.byEventName("onRelay")).contains(Stage.RELAY);
        assertThat(StandardVars.RELAY_HOST.readableAt(Stage.RELAY)).isTrue();
        assertThat(StandardVars.RELAY_HOST.readableAt(Stage.CONNECT)).isFalse();
    }

    @Test
    void theListenersDefaultsAreTheVariablesAndRulesChangeThem() {
        Session s = connected("""
                rules:
                  onRelay:
                    - if: remoteSmtpIp.startsWith("192.0.2.") && relayHost == "127.0.0.1" && relayPort == 10025 && tryTLS && !forceTLS
                      then:
                        - set: { relayHost: "mx2.example" }
                        - set: { relayPort: 2525 }
                        - set: { forceTLS: true }
                        - set: { verifyCert: true }
                        - set: { checkCertName: true }
                        - set: { HELOname: "out-${smtpPort}.example" }
                """);
        StageResult r = s.process(DEFAULTS);
        assertThat(r.verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(s.get(StandardVars.RELAY_HOST)).isEqualTo("mx2.example");
        assertThat(s.get(StandardVars.RELAY_PORT)).isEqualTo(2525L);
        assertThat(s.get(StandardVars.FORCE_TLS)).isTrue();
        assertThat(s.get(StandardVars.VERIFY_CERT)).isTrue();
        assertThat(s.get(StandardVars.CHECK_CERT_NAME)).isTrue();
        assertThat(s.get(StandardVars.HELO_NAME)).isEqualTo("out-25.example");
        // connection scope: a message does not reset the choice
        s.process(new SessionEvent.Ehlo("client.example", true));
        s.process(new SessionEvent.MailFrom("<a@b.test>", List.of()));
        s.process(new SessionEvent.Reset());
        assertThat(s.get(StandardVars.RELAY_HOST)).isEqualTo("mx2.example");
    }

    @Test
    void withoutRulesTheDefaultsStand() {
        Session s = connected("rules: {}\n");
        assertThat(s.process(DEFAULTS).verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(s.get(StandardVars.RELAY_HOST)).isEqualTo("127.0.0.1");
        assertThat(s.get(StandardVars.RELAY_PORT)).isEqualTo(10025L);
        assertThat(s.get(StandardVars.TRY_TLS)).isTrue();
        assertThat(s.get(StandardVars.HELO_NAME)).isEqualTo("proxy.example");
    }

    @Test
    void onRelayRunsAfterAnAcceptAtOnConnectAndMayRefuse() {
        Session s = connected("""
                rules:
                  onConnect:
                    - then: accept
                  onRelay:
                    - if: remoteSmtpIp == "192.0.2.1"
                      then: { tempreject: "421 4.3.2 no route for you today" }
                """);
        StageResult r = s.process(DEFAULTS);
        assertThat(r.verdict()).isInstanceOf(Verdict.TempReject.class);
        assertThat(((Verdict.TempReject) r.verdict()).reply().toWireText()).isEqualTo("421 4.3.2 no route for you today");
        assertThat(r.decidedBy()).isEqualTo("rule onRelay[1]");
    }

    @Test
    void findingsAtOnRelayBelongToTheConnection() {
        Session s = connected("""
                rules:
                  onRelay:
                    - then: { report: ROUTED_ELSEWHERE }
                scores:
                  ROUTED_ELSEWHERE: 1.5
                """);
        s.process(DEFAULTS);
        s.process(new SessionEvent.Ehlo("client.example", true));
        s.process(new SessionEvent.MailFrom("<a@b.test>", List.of()));
        assertThat(s.get(StandardVars.SCORE)).isEqualTo(1.5);
        s.process(new SessionEvent.Reset());
        s.process(new SessionEvent.MailFrom("<a@b.test>", List.of()));
        assertThat(s.get(StandardVars.SCORE)).isEqualTo(1.5);
    }

    @Test
    void thePolicyLoaderRefusesWhatOnRelayCannotMean() {
        assertThatThrownBy(() -> LOADER.parse("r.yaml", "rules:\n  onRelay:\n    - then: accept\n"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("r.yaml:3:").hasMessageContaining("accept at onRelay decides nothing");
        assertThatThrownBy(() -> LOADER.parse("r.yaml", "rules:\n  onRelay:\n    - then: discard\n"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("discard at onRelay");
        // no message exists yet when the next hop is chosen
        assertThatThrownBy(() -> LOADER.parse("r.yaml", "rules:\n  onRelay:\n    - if: mailFrom == \"a@b\"\n      then: reject\n"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("mailFrom");
        assertThatThrownBy(() -> LOADER.parse("r.yaml", "rules:\n  onRelay:\n    - then: { addHeader: \"X-A: b\" }\n"))
                .isInstanceOf(PolicyException.class);
        // and the next hop does not exist yet at onConnect
        assertThatThrownBy(() -> LOADER.parse("r.yaml", "rules:\n  onConnect:\n    - if: relayHost == \"x\"\n      then: reject\n"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("relayHost");
    }
}

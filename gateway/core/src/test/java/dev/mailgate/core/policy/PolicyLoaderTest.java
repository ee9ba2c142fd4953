// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.api.Stage;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyLoaderTest {
    private final PolicyLoader loader = new PolicyLoader(new FilterRegistry(List.of()), Clock.systemUTC());

    private PolicyException refused(String yaml) {
        try {
            loader.parse("p.yaml", yaml);
        } catch (PolicyException e) {
            return e;
        }
        throw new AssertionError("policy was accepted:\n" + yaml);
    }

    @Test
    void eventLoopsDefaultToHalfTheCoresAndAreBounded() {
        assertThat(loader.parse("p.yaml", "milter: { eventLoops: 3 }\n").milter().eventLoopThreads()).isEqualTo(3);
        int cores = Runtime.getRuntime().availableProcessors();
        assertThat(loader.parse("p.yaml", "rules: {}\n").milter().eventLoopThreads()).isEqualTo(Math.max(1, cores / 2));
        assertThat(refused("milter: { eventLoops: -1 }\n").getMessage()).contains("eventLoops must be between 0");
    }

    @Test
    void syntaxErrorNamesLineAndColumn() {
        PolicyException e = refused("rules:\n  onConnect:\n    - if: true\n      then: [accept\n");
        assertThat(e.file()).isEqualTo("p.yaml");
        assertThat(e.line()).isGreaterThanOrEqualTo(4);
        assertThat(e.getMessage()).startsWith("p.yaml:").contains("invalid YAML");
    }

    @Test
    void unknownTopLevelKeyIsRefusedAtItsPosition() {
        PolicyException e = refused("listen:\n  - milter: inet:127.0.0.1:1\nfliters: []\n");
        assertThat(e.line()).isEqualTo(3);
        assertThat(e.column()).isEqualTo(1);
        assertThat(e.problem()).contains("unknown key 'fliters'").contains("filters");
    }

    @Test
    void duplicateKeysAreRefused() {
        PolicyException e = refused("scores: { A: 1 }\nscores: { B: 2 }\n");
        assertThat(e.line()).isEqualTo(2);
        assertThat(e.problem()).contains("duplicate key 'scores'");
    }

    @Test
    void ruleReadingAVariableItsEventCannotHaveIsRefused() {
        PolicyException e = refused("rules:\n  onConnect:\n    - if: mailFrom == \"a@b\"\n      then: reject\n");
        assertThat(e.line()).isEqualTo(3);
        assertThat(e.column()).isEqualTo(11);
        assertThat(e.problem()).contains("'mailFrom' is set at onMailFrom").contains("onConnect cannot read it");
    }

    @Test
    void dottedFilterVariablesGetTheSameClearError() {
        PolicyLoader withLimits = new PolicyLoader(new FilterRegistry(List.of(new dev.mailgate.api.FilterFactory() {
            public String type() { return "counter"; }
            public dev.mailgate.api.Filter create(dev.mailgate.api.FilterSettings s, dev.mailgate.api.FilterServices v) {
                var body = dev.mailgate.api.Var.integer("counter.bodySize", dev.mailgate.api.Scope.TRANSACTION, Stage.BODY_CHUNK, "");
                return new dev.mailgate.api.Filter() {
                    public java.util.Set<Stage> stages() { return java.util.Set.of(Stage.BODY_CHUNK); }
                    public List<dev.mailgate.api.Var<?>> provides() { return List.of(body); }
                };
            }
        })), Clock.systemUTC());
        assertThatThrownBy(() -> withLimits.parse("p.yaml", "filters:\n  - counter: {}\nrules:\n  onConnect:\n    - if: counter.bodySize > 5\n      then: reject\n"))
                .hasMessageContaining("'counter.bodySize' is set at onBodyChunk; a rule of onConnect cannot read it yet");
    }

    @Test
    void sameRuleIsAcceptedAtALaterEvent() {
        Policy p = loader.parse("p.yaml", "rules:\n  onRcptTo:\n    - if: mailFrom == \"a@b\"\n      then: reject\n");
        assertThat(p.rules(Stage.RCPT_TO).rules()).hasSize(1);
        assertThat(p.decides(Stage.RCPT_TO)).isTrue();
        assertThat(p.decides(Stage.MAIL_FROM)).isFalse();
    }

    @Test
    void typeErrorInConditionPointsIntoTheExpression() {
        PolicyException e = refused("rules:\n  onMailFrom:\n    - if: mailFromSize == \"big\"\n      then: reject\n");
        assertThat(e.line()).isEqualTo(3);
        assertThat(e.column()).isGreaterThan(11);
        assertThat(e.problem()).contains("in condition");
    }

    @Test
    void conditionMustBeBoolean() {
        PolicyException e = refused("rules:\n  onMailFrom:\n    - if: mailFrom\n      then: reject\n");
        assertThat(e.problem()).contains("must be true or false");
    }

    @Test
    void unknownVerdictAndUnknownActionAreRefused() {
        assertThat(refused("rules:\n  onMailFrom:\n    - then: bounce\n").problem()).contains("unknown verdict 'bounce'");
        assertThat(refused("rules:\n  onMailFrom:\n    - then: { shout: loud }\n").problem()).contains("unknown action 'shout'");
    }

    @Test
    void discardBeforeAMessageExistsIsRefused() {
        assertThat(refused("rules:\n  onConnect:\n    - then: discard\n").problem()).contains("discard needs a message");
    }

    @Test
    void invalidReplyTextIsRefused() {
        PolicyException e = refused("rules:\n  onMailFrom:\n    - then: { reject: \"451 4.7.1 no\" }\n");
        assertThat(e.problem()).contains("invalid reply");
    }

    @Test
    void templatesMayOnlyReferenceVariablesOfTheirEvent() {
        PolicyException e = refused("rules:\n  onConnect:\n    - then: { reject: \"5.7.1 ${mailFrom}\" }\n");
        assertThat(e.problem()).contains("${mailFrom}");
    }

    @Test
    void editsOutsideATransactionAreRefused() {
        PolicyException e = refused("rules:\n  onConnect:\n    - then: { addHeader: \"X-A: b\" }\n");
        assertThat(e.problem()).contains("addHeader changes a message");
    }

    @Test
    void unknownFilterTypeNamesTheAvailableOnes() {
        PolicyException e = refused("filters:\n  - dnsbl: {}\n");
        assertThat(e.line()).isEqualTo(2);
        assertThat(e.problem()).contains("unknown filter type 'dnsbl'");
    }

    @Test
    void badValuesAreRefused() {
        assertThat(refused("listen:\n  - milter: tcp:1.2.3.4:5\n").problem()).contains("unknown socket type 'tcp'");
        assertThat(refused("listen:\n  - milter: inet:127.0.0.1:8899\n    mode: \"0660\"\n").problem()).contains("unix sockets only");
        assertThat(refused("networks:\n  trusted: [10.0.0.0/33]\n").problem()).contains("prefix must be 0..32");
        assertThat(refused("milter:\n  maxPacketSize: 10\n").problem()).contains("between 65535");
        assertThat(refused("defaults:\n  timeout: soon\n").problem()).contains("duration");
        assertThat(refused("scores:\n  lower: 3\n").problem()).contains("UPPER_SNAKE");
        assertThat(refused("actions:\n  explode: 3\n").problem()).contains("unknown key 'explode'");
    }

    @Test
    void fullPolicyLoads() {
        Policy p = loader.parse("p.yaml", """
                listen:
                  - milter: unix:/tmp/mailgate-test.sock
                    mode: "0660"
                networks:
                  trusted: [127.0.0.0/8, "::1"]
                rules:
                  onConnect:
                    - name: trusted
                      if: inNetwork(remoteSmtpIp, "trusted")
                      then: accept
                  onHeadersReceived:
                    - if: subject.matches("(?i)viagra") && receivedCount > 2
                      then: { report: SPAM_SUBJECT }
                    - if: '"x-spam" in headers && headers["x-spam"].exists(v, v == "yes")'
                      then: { score: 4 }
                  onDataReceived:
                    - if: score >= 5.0
                      then:
                        - addHeader: { name: X-Spam, value: "score ${score}" }
                        - removeHeader: X-Internal
                scores: { SPAM_SUBJECT: 3 }
                actions: { addHeader: 5, reject: 15 }
                """);
        assertThat(p.listeners()).hasSize(1);
        assertThat(p.listeners().get(0).address().isUnix()).isTrue();
        assertThat(p.rules(Stage.HEADERS_RECEIVED).rules()).hasSize(2);
        assertThat(p.weight("SPAM_SUBJECT")).isEqualTo(3.0);
        assertThat(p.describe()).contains("rule onConnect[trusted] if inNetwork(remoteSmtpIp, \"trusted\") then accept");
    }

    @Test
    void aMetricsListenerServesHttpOnTcpOnly() {
        Policy p = loader.parse("p.yaml", "listen:\n  - milter: inet:127.0.0.1:8899\n  - metrics: inet:127.0.0.1:9108\n");
        assertThat(p.listeners()).hasSize(2);
        ListenerConfig m = p.listeners().get(1);
        assertThat(m.isMetrics()).isTrue();
        assertThat(m.isSmtp()).isFalse();
        assertThat(m.address()).isEqualTo(new ListenAddress("127.0.0.1", 9108, null));
        assertThat(p.describe()).contains("listen metrics inet:127.0.0.1:9108");
        PolicyException unix = refused("listen:\n  - metrics: unix:/run/m.sock\n");
        assertThat(unix.problem()).contains("inet:host:port, not on a unix socket");
        assertThat(unix.line()).isEqualTo(2);
        assertThat(refused("listen:\n  - metrics: inet:127.0.0.1:9108\n    mode: \"0660\"\n").problem())
                .contains("unknown key 'mode'");
        assertThat(refused("listen:\n  - metrics: inet:127.0.0.1:9108\n  - metrics: inet:127.0.0.1:9109\n").problem())
                .contains("one metrics listener");
    }

    @Test
    void listenAddressSyntaxes() {
        assertThat(ListenAddress.parse("inet:127.0.0.1:8899")).isEqualTo(new ListenAddress("127.0.0.1", 8899, null));
        assertThat(ListenAddress.parse("inet:8899@127.0.0.1")).isEqualTo(new ListenAddress("127.0.0.1", 8899, null));
        assertThat(ListenAddress.parse("inet:[::1]:8899").host()).isEqualTo("::1");
        assertThat(ListenAddress.parse("inet6:8899@::1").host()).isEqualTo("::1");
        assertThat(ListenAddress.parse("local:/run/m.sock").isUnix()).isTrue();
        assertThatThrownBy(() -> ListenAddress.parse("unix:relative.sock")).hasMessageContaining("absolute");
        assertThatThrownBy(() -> ListenAddress.parse("inet:127.0.0.1:99999")).hasMessageContaining("out of range");
    }
}

// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.api.Stage;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Verdict;
import dev.mailgate.core.Pipeline;
import dev.mailgate.core.policy.DeliveryVars;
import dev.mailgate.core.policy.FilterRegistry;
import dev.mailgate.core.policy.PolicyException;
import dev.mailgate.core.policy.PolicyLoader;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

/** onDeliveryFailure / onTemporaryDeliveryFailure as the SMTP proxy fires them. */
class DeliveryFailureTest {
    static final PolicyLoader LOADER = new PolicyLoader(new FilterRegistry(List.of()), Clock.systemUTC());

    static Session session(String rules) {
        Session s = new Pipeline(LOADER.parse("d.yaml", rules)).open("t", MacroSource.NONE);
        s.process(new SessionEvent.Connect("[192.0.2.1]", "192.0.2.1", 4000, "", 0));
        s.process(new SessionEvent.Ehlo("client.example", true));
        s.process(new SessionEvent.MailFrom("<a@b.test>", List.of()));
        s.process(new SessionEvent.RcptTo("<x@c.test>", List.of()));
        return s;
    }

    @Test
    void stagesKeepTheTransactionRange() {
        assertThat(Stage.DATA_RECEIVED.isTransaction()).isTrue();
        assertThat(Stage.RELAY.isTransaction()).isFalse();
        assertThat(Stage.DELIVERY_FAILURE.isTransaction()).isFalse();
        assertThat(Stage.TEMPORARY_DELIVERY_FAILURE.isTransaction()).isFalse();
        assertThat(Stage.RESET.isTransaction()).isFalse();
        assertThat(Stage.byEventName("onTemporaryDeliveryFailure")).contains(Stage.TEMPORARY_DELIVERY_FAILURE);
        assertThat(new SessionEvent.DeliveryFailure("RCPT", 550, "550 x").stage()).isEqualTo(Stage.DELIVERY_FAILURE);
        assertThat(new SessionEvent.DeliveryFailure("RCPT", 451, "451 x").stage()).isEqualTo(Stage.TEMPORARY_DELIVERY_FAILURE);
    }

    @Test
    void aRejectReplacesTheReplyAndSeesTheDownstreamsVariables() {
        Session s = session("""
                rules:
                  onDeliveryFailure:
                    - if: deliveryCommand == "RCPT" && deliveryCode == 550 && deliveryReply.contains("unknown")
                      then: { reject: "550 5.1.1 ${rcptTo} does not live here" }
                """);
        StageResult r = s.process(new SessionEvent.DeliveryFailure("RCPT", 550, "550 5.1.1 <x@c.test>: User unknown"));
        assertThat(r.verdict()).isInstanceOf(Verdict.Reject.class);
        assertThat(((Verdict.Reject) r.verdict()).reply().toWireText()).isEqualTo("550 5.1.1 x@c.test does not live here");
        assertThat(s.get(DeliveryVars.DELIVERY_REPLY)).isEqualTo("550 5.1.1 <x@c.test>: User unknown");
        // no rule for 4xx: the downstream's reply stands
        assertThat(s.process(new SessionEvent.DeliveryFailure("MAIL", 451, "451 4.3.0 later")).verdict()).isEqualTo(Verdict.CONTINUE);
    }

    @Test
    void smtpExplanationAloneKeepsCodeAndEnhancedStatusAndFindingsCountForTheMessage() {
        Session s = session("""
                rules:
                  onTemporaryDeliveryFailure:
                    - then:
                        - smtpExplanation: "busy, retry"
                        - report: DEFERRED
                scores:
                  DEFERRED: 2
                """);
        StageResult r = s.process(new SessionEvent.DeliveryFailure("END-OF-DATA", 452, "452-4.2.2 mailbox full\n452 4.2.2 really"));
        assertThat(r.verdict()).isInstanceOf(Verdict.TempReject.class);
        assertThat(((Verdict.TempReject) r.verdict()).reply().toWireText()).isEqualTo("452 4.2.2 busy, retry");
        assertThat(s.get(StandardVars.SCORE)).isEqualTo(2.0);
        assertThat(s.get(StandardVars.SMTP_EXPLANATION)).isEmpty();
        s.process(new SessionEvent.Reset());
        assertThat(s.get(StandardVars.SCORE)).isEqualTo(0.0);
        assertThat(s.get(DeliveryVars.DELIVERY_CODE)).isEqualTo(0L);
    }

    @Test
    void acceptOrDiscardAtADeliveryFailureIsRefusedWhenThePolicyLoads() {
        assertThatThrownBy(() -> LOADER.parse("d.yaml", "rules:\n  onDeliveryFailure:\n    - then: accept\n"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("would tell the client 250");
        assertThatThrownBy(() -> LOADER.parse("d.yaml", "rules:\n  onTemporaryDeliveryFailure:\n    - then: discard\n"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("would tell the client 250");
        assertThatThrownBy(() -> LOADER.parse("d.yaml", "rules:\n  onDeliveryFailure:\n    - then: { addHeader: \"X-A: b\" }\n"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("changes a message");
        assertThatThrownBy(() -> LOADER.parse("d.yaml", "rules:\n  onRcptTo:\n    - if: deliveryCode == 550\n      then: reject\n"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("deliveryCode");
    }
}

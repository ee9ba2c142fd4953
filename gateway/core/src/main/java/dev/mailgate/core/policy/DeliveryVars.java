// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import dev.mailgate.api.Scope;
import dev.mailgate.api.Stage;
import dev.mailgate.api.Var;
import java.util.List;

/**
 * The downstream MTA's refusal, as the SMTP proxy's onDeliveryFailure / onTemporaryDeliveryFailure
 * rules see it. Declared for every policy (a rule naming them loads in milter mode too, where they
 * stay empty: the milter front end never fires those events). They live in core rather than in
 * {@link dev.mailgate.api.StandardVars} so that the README's variable reference, which lists every
 * standard variable, can gain them in the same change that documents them.
 */
public final class DeliveryVars {
    private DeliveryVars() {}

    public static final Var<String> DELIVERY_COMMAND = Var.string("deliveryCommand", Scope.TRANSACTION, Stage.DELIVERY_FAILURE,
            "what the downstream refused: MAIL, RCPT, DATA or END-OF-DATA (SMTP proxy)");
    public static final Var<Long> DELIVERY_CODE = Var.integer("deliveryCode", Scope.TRANSACTION, Stage.DELIVERY_FAILURE,
            "the downstream's reply code, e.g. 550 or 451 (SMTP proxy)");
    public static final Var<String> DELIVERY_REPLY = Var.string("deliveryReply", Scope.TRANSACTION, Stage.DELIVERY_FAILURE,
            "the downstream's whole reply, e.g. '550 5.1.1 <a@b>: Recipient address rejected' (lines joined by newlines; SMTP proxy)");

    public static final List<Var<?>> ALL = List.of(DELIVERY_COMMAND, DELIVERY_CODE, DELIVERY_REPLY);
}

// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.client;

import dev.mailgate.milter.codec.MilterResponse;
import java.util.List;
import java.util.Objects;

/**
 * The milter's answer to end-of-message: every packet that came before the final answer, in
 * order (modifications such as {@code AddHeader} and also {@code Progress} keep-alives), and the
 * final answer itself ({@code Accept}, {@code Continue}, {@code Reject}, {@code ReplyCode}, ...).
 *
 * @param modifications the edits and progress packets, unmodifiable, possibly empty
 * @param finalResponse the answer that ended the request
 */
public record EomResult(List<MilterResponse> modifications, MilterResponse finalResponse) {
    public EomResult {
        modifications = List.copyOf(modifications);
        Objects.requireNonNull(finalResponse, "finalResponse");
    }

    /** The modifications without the {@code Progress} packets. */
    public List<MilterResponse> edits() {
        return modifications.stream().filter(MilterResponse::isModification).toList();
    }
}

// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.state;

/**
 * The result of {@link KeyValueStore#countInWindow}.
 *
 * @param count   units counted in the sliding window, this call's cost included if allowed
 * @param allowed false if the cost would have gone over the limit (and was not counted)
 */
public record WindowCount(long count, boolean allowed) {}

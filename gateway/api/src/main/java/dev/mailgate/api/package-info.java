// SPDX-License-Identifier: Apache-2.0
/**
 * The filter SPI: everything a filter author sees, and nothing of milter or SMTP bytes.
 *
 * <p>Start at {@link dev.mailgate.api.Filter} and {@link dev.mailgate.api.Stage}. A filter is
 * created by a {@link dev.mailgate.api.FilterFactory} (found with {@link java.util.ServiceLoader})
 * from its YAML settings, is called once per event of a session in protocol order, reads and
 * sets typed {@link dev.mailgate.api.Var variables} (the seeds' names, see
 * {@link dev.mailgate.api.StandardVars}), reports findings that the policy turns into scores,
 * and returns a {@link dev.mailgate.api.Verdict}. Message changes go through
 * {@link dev.mailgate.api.MessageEditor} with the seeds' verbs.
 */
package dev.mailgate.api;

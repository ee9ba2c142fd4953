// SPDX-License-Identifier: Apache-2.0
/**
 * The SMTP proxy front end: one {@link dev.mailgate.smtp.server.ProxySession} per client,
 * command families in their own classes, and the downstream relay in {@code dev.mailgate.smtp.relay}.
 */
package dev.mailgate.smtp.server;

// SPDX-License-Identifier: Apache-2.0
/**
 * The session pipeline shared by both front ends. Start at {@link dev.mailgate.core.Pipeline}:
 * a front end asks it for a {@link dev.mailgate.core.session.Session} per client connection and
 * feeds it {@link dev.mailgate.core.session.SessionEvent}s; the session runs the filter chain
 * ({@code chain}) and the policy's rules ({@code policy}) and answers with a
 * {@link dev.mailgate.core.session.StageResult}.
 */
package dev.mailgate.core;

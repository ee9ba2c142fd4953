// SPDX-License-Identifier: Apache-2.0
/**
 * The milter front end: {@link dev.mailgate.milter.server.MilterServer} binds the listeners,
 * {@link dev.mailgate.milter.server.MilterSessionHandler} turns each MTA connection into one
 * pipeline session, {@link dev.mailgate.milter.server.Negotiator} decides what to ask the MTA for,
 * and {@link dev.mailgate.milter.server.ReplyMapper} turns verdicts and modifications into packets.
 */
package dev.mailgate.milter.server;

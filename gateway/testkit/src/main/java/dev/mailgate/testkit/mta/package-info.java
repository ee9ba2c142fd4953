// SPDX-License-Identifier: Apache-2.0
/**
 * Helpers for integration tests against real MTAs on 127.0.0.1: a throwaway {@link
 * dev.mailgate.testkit.mta.PostfixInstance}, a private {@link dev.mailgate.testkit.mta.SendmailInstance},
 * an in-JVM {@link dev.mailgate.testkit.mta.SmtpSink} that receives what they relay, a recording
 * {@link dev.mailgate.testkit.mta.SmtpClient}, and {@link dev.mailgate.testkit.mta.MiltertestRunner}.
 *
 * <p>Plain Java, no test-framework dependency. Failed waits throw {@link java.lang.AssertionError}
 * with the relevant log or queue excerpt; failed starts throw {@link java.lang.IllegalStateException}
 * with the MTA's own message. Everything that starts a process is {@link java.lang.AutoCloseable}
 * and also stops its process from a JVM shutdown hook. Postfix and Sendmail need root; machine
 * setup is {@code .ci/install-test-deps.sh}.
 */
package dev.mailgate.testkit.mta;

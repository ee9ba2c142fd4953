// SPDX-License-Identifier: Apache-2.0
/**
 * DNS for tests of DNS checks: {@link dev.mailgate.dns.testing.ZoneResolver} answers in process
 * from zone text (unit tests, with timeouts, SERVFAILs and slow zones on demand);
 * {@link dev.mailgate.dns.testing.NsdServer} runs a real NSD on 127.0.0.1 serving zones the test
 * writes; {@link dev.mailgate.dns.testing.SilentDnsServer} never answers (timeouts).
 */
package dev.mailgate.dns.testing;

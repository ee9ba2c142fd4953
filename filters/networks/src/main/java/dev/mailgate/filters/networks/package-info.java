// SPDX-License-Identifier: Apache-2.0
/**
 * Trusted and blocked networks (hMailServer's IP ranges) at onConnect.
 *
 * <pre>
 * networks:
 *   trusted: [127.0.0.0/8, "::1", 10.0.0.0/8]
 * filters:
 *   - networks:
 *       accept: [trusted]              # set names or CIDRs: accept the connection, skip every check
 *       reject: [192.0.2.0/24]         # refuse these clients
 *       rejectReply: "554 5.7.1 Access denied"
 * </pre>
 *
 * The most specific matching network wins (10.1.0.0/16 in reject beats 10.0.0.0/8 in accept); on
 * a tie, reject wins. Sets {@code networks.match} (accept, reject or "") and
 * {@code networks.range} (the matching network) for rules.
 */
package dev.mailgate.filters.networks;

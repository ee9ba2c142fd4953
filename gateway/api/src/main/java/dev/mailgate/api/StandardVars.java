// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.api;

import static dev.mailgate.api.Scope.CONNECTION;
import static dev.mailgate.api.Scope.RECIPIENT;
import static dev.mailgate.api.Scope.TRANSACTION;
import static dev.mailgate.api.Stage.CONNECT;
import static dev.mailgate.api.Stage.DATA;
import static dev.mailgate.api.Stage.DATA_RECEIVED;
import static dev.mailgate.api.Stage.EHLO;
import static dev.mailgate.api.Stage.HEADERS_RECEIVED;
import static dev.mailgate.api.Stage.MAIL_FROM;
import static dev.mailgate.api.Stage.RCPT_TO;
import static dev.mailgate.api.Stage.RELAY;

import java.util.List;

/**
 * The seeds' well-known variables (Axigen event model, DESIGN §3). Front ends set the "in"
 * variables; filters and rules set the "out" ones. The list {@link #ALL} is the variable
 * reference printed by {@code gateway check} and the README.
 */
public final class StandardVars {
    private StandardVars() {}

    // connection (in)
    public static final Var<Long> SMTP_PORT = Var.integer("smtpPort", CONNECTION, CONNECT, "local port the client connected to ({daemon_port})");
    public static final Var<String> SMTP_IP = Var.string("smtpIp", CONNECTION, CONNECT, "local address the client connected to ({daemon_addr})");
    public static final Var<Long> REMOTE_SMTP_PORT = Var.integer("remoteSmtpPort", CONNECTION, CONNECT, "client's TCP port");
    public static final Var<String> REMOTE_SMTP_IP = Var.string("remoteSmtpIp", CONNECTION, CONNECT, "client's IP address (empty for a unix socket or unknown family)");
    public static final Var<String> REMOTE_SMTP_HOST = Var.string("remoteSmtpHost", CONNECTION, CONNECT, "client's host name as the MTA resolved it; '[ip]' when unknown");
    public static final Var<Boolean> IS_SSL_CONNECTION = Var.bool("isSSLConnection", CONNECTION, EHLO, "TLS is active ({tls_version} present)");
    public static final Var<String> TLS_VERSION = Var.string("tlsVersion", CONNECTION, EHLO, "TLS protocol version ({tls_version})");
    public static final Var<String> EHLO_HOST = Var.string("ehloHost", CONNECTION, EHLO, "HELO/EHLO argument");
    public static final Var<Boolean> IS_ESMTP = Var.bool("isESMTP", CONNECTION, EHLO, "client used EHLO (proxy mode; milter: true unless unknown)");
    public static final Var<String> AUTH_USER = Var.string("authUser", CONNECTION, MAIL_FROM, "SASL login name ({auth_authen})");
    public static final Var<Long> MAIL_COUNT = Var.integer("mailCount", CONNECTION, MAIL_FROM, "messages started in this session, this one included");
    public static final Var<Long> TOTAL_MAIL_SIZE = Var.integer("totalMailSize", CONNECTION, MAIL_FROM, "bytes of message content received in this session so far");
    public static final Var<String> MTA_HOSTNAME = Var.string("mtaHostname", CONNECTION, CONNECT, "the MTA's own host name (macro j)");

    // next hop (SMTP proxy, in/out at onRelay): VPOP3's ServerDetails; the listener's settings are the defaults
    public static final Var<String> RELAY_HOST = Var.string("relayHost", CONNECTION, RELAY, "next hop's host name or IP address (default: the listener's downstream)");
    public static final Var<Long> RELAY_PORT = Var.integer("relayPort", CONNECTION, RELAY, "next hop's TCP port (default: the listener's downstream)");
    public static final Var<Boolean> TRY_TLS = Var.bool("tryTLS", CONNECTION, RELAY, "STARTTLS to the next hop when it offers it (default: downstreamTls may or require)");
    public static final Var<Boolean> FORCE_TLS = Var.bool("forceTLS", CONNECTION, RELAY, "STARTTLS must succeed, or the client gets 421 (default: downstreamTls require)");
    public static final Var<Boolean> VERIFY_CERT = Var.bool("verifyCert", CONNECTION, RELAY, "the next hop's certificate chain must verify (default: downstreamVerifyCert)");
    public static final Var<Boolean> CHECK_CERT_NAME = Var.bool("checkCertName", CONNECTION, RELAY, "the next hop's certificate must name relayHost; implies verifyCert (default: downstreamCheckCertName)");
    public static final Var<String> HELO_NAME = Var.string("HELOname", CONNECTION, RELAY, "name the proxy greets the next hop with when it speaks for itself (default: hostname)");

    // envelope (in)
    public static final Var<String> MAIL_FROM_ADDR = Var.string("mailFrom", TRANSACTION, MAIL_FROM, "envelope sender without angle brackets; empty for the null sender");
    public static final Var<String> MAIL_FROM_LOCAL_PART = Var.string("mailFromLocalPart", TRANSACTION, MAIL_FROM, "local part of mailFrom");
    public static final Var<String> MAIL_FROM_DOMAIN = Var.string("mailFromDomain", TRANSACTION, MAIL_FROM, "domain of mailFrom, lower case");
    public static final Var<String> MAIL_FROM_AUTH_USER = Var.string("mailFromAuthUser", TRANSACTION, MAIL_FROM, "authenticated author ({auth_author} or MAIL AUTH=)");
    public static final Var<Long> MAIL_FROM_SIZE = Var.integer("mailFromSize", TRANSACTION, MAIL_FROM, "SIZE= declared at MAIL FROM, 0 if none");
    public static final Var<List<String>> MAIL_FROM_PARAMS = Var.stringList("mailFromParams", TRANSACTION, MAIL_FROM, "ESMTP parameters of MAIL FROM");
    public static final Var<String> RCPT_TO_ADDR = Var.string("rcptTo", RECIPIENT, RCPT_TO, "the recipient being processed, without angle brackets");
    public static final Var<String> RCPT_TO_DOMAIN = Var.string("rcptToDomain", RECIPIENT, RCPT_TO, "domain of rcptTo, lower case");
    public static final Var<List<String>> RCPT_TO_PARAMS = Var.stringList("rcptToParams", RECIPIENT, RCPT_TO, "ESMTP parameters of this RCPT TO");
    public static final Var<List<String>> RECIPIENTS = Var.stringList("recipients", TRANSACTION, RCPT_TO, "recipients accepted so far (by this gateway)");
    public static final Var<Long> RCPT_COUNT = Var.integer("rcptCount", TRANSACTION, RCPT_TO, "number of recipients so far, the current one included");
    public static final Var<String> QUEUE_ID = Var.string("queueId", TRANSACTION, DATA, "the MTA's queue id (macro i; Postfix sends it from DATA on)");

    // message (in)
    public static final Var<Long> MESSAGE_SIZE = Var.integer("messageSize", TRANSACTION, DATA_RECEIVED, "bytes of header and body received");
    public static final Var<Long> RECEIVED_COUNT = Var.integer("receivedCount", TRANSACTION, HEADERS_RECEIVED, "number of Received: headers (loop detection)");
    public static final Var<String> SUBJECT = Var.string("subject", TRANSACTION, HEADERS_RECEIVED, "Subject header, unfolded");
    public static final Var<String> MESSAGE_ID = Var.string("messageId", TRANSACTION, HEADERS_RECEIVED, "Message-Id header");
    public static final Var<Long> HEADER_COUNT = Var.integer("headerCount", TRANSACTION, HEADERS_RECEIVED, "number of header fields");

    // limits (in/out)
    public static final Var<Long> MAX_RCPT_COUNT = Var.integer("maxRcptCount", CONNECTION, CONNECT, "recipients allowed per message (0 = no limit)");
    public static final Var<Long> MAX_DATA_SIZE = Var.integer("maxDataSize", CONNECTION, CONNECT, "bytes allowed per message (0 = no limit)");
    public static final Var<Long> MAX_RECEIVED_HEADERS = Var.integer("maxReceivedHeaders", CONNECTION, CONNECT, "Received: headers allowed before a loop is assumed (0 = no limit)");

    // actions (out)
    public static final Var<String> SMTP_ACTION = Var.string("smtpAction", TRANSACTION, CONNECT, "continue (default), accept, reject, tempreject or discard");
    public static final Var<String> SMTP_EXPLANATION = Var.string("smtpExplanation", TRANSACTION, CONNECT, "reply text for reject/tempreject, optionally '550 5.7.1 text'");
    public static final Var<Double> SCORE = Var.decimal("score", TRANSACTION, CONNECT, "sum of the policy's weights for the findings reported so far");
    public static final Var<List<String>> FINDINGS = Var.stringList("findings", TRANSACTION, CONNECT, "symbols reported so far (SPF_FAIL, DNSBL_LISTED, ...)");

    /** Every standard variable, in documentation order. */
    public static final List<Var<?>> ALL = List.of(
            SMTP_PORT, SMTP_IP, REMOTE_SMTP_PORT, REMOTE_SMTP_IP, REMOTE_SMTP_HOST, IS_SSL_CONNECTION, TLS_VERSION,
            EHLO_HOST, IS_ESMTP, AUTH_USER, MAIL_COUNT, TOTAL_MAIL_SIZE, MTA_HOSTNAME,
            RELAY_HOST, RELAY_PORT, TRY_TLS, FORCE_TLS, VERIFY_CERT, CHECK_CERT_NAME, HELO_NAME,
            MAIL_FROM_ADDR, MAIL_FROM_LOCAL_PART, MAIL_FROM_DOMAIN, MAIL_FROM_AUTH_USER, MAIL_FROM_SIZE, MAIL_FROM_PARAMS,
            RCPT_TO_ADDR, RCPT_TO_DOMAIN, RCPT_TO_PARAMS, RECIPIENTS, RCPT_COUNT, QUEUE_ID,
            MESSAGE_SIZE, RECEIVED_COUNT, SUBJECT, MESSAGE_ID, HEADER_COUNT,
            MAX_RCPT_COUNT, MAX_DATA_SIZE, MAX_RECEIVED_HEADERS,
            SMTP_ACTION, SMTP_EXPLANATION, SCORE, FINDINGS);
}

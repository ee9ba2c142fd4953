// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.dns;

import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;

/**
 * Queries over dnsjava's asynchronous {@link SimpleResolver#sendAsync(Message, java.util.concurrent.Executor)}
 * (non-blocking NIO; TCP retry on truncation). Our own failover rather than dnsjava's
 * {@code ExtendedResolver}: servers are tried in the configured order, and a SERVFAIL or REFUSED
 * answer moves on to the next server too, not only a timeout.
 */
final class DnsjavaTransport implements DnsTransport {
    private static final Logger LOG = LoggerFactory.getLogger(DnsjavaTransport.class);

    private final List<SimpleResolver> servers;
    private final int attempts;
    /** Completions leave dnsjava's selector thread at once, so no caller code ever runs on it. */
    private final ExecutorService completions = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("dns-answer-", 0).factory());

    DnsjavaTransport(DnsSettings settings) {
        this.attempts = settings.retries() + 1;
        this.servers = settings.servers().stream().map(a -> resolver(a, settings)).toList();
    }

    private static SimpleResolver resolver(InetSocketAddress address, DnsSettings settings) {
        SimpleResolver r = new SimpleResolver(address);
        r.setTimeout(settings.attemptTimeout());
        r.setEDNS(0, 1232, 0, List.of()); // RFC 9715-sized UDP answers; larger ones retry over TCP
        return r;
    }

    @Override
    public CompletableFuture<DnsAnswer> query(String name, DnsType type) {
        Name n;
        try {
            n = Name.fromString(name, Name.root);
        } catch (TextParseException e) {
            // cannot be in the DNS at all: a real, uncacheable "no such name"
            return CompletableFuture.completedFuture(new DnsAnswer(name, type, DnsAnswer.Status.NXDOMAIN, List.of(), 0));
        }
        Message query = Message.newQuery(Record.newRecord(n, DnsRecords.code(type), DClass.IN));
        CompletableFuture<DnsAnswer> result = new CompletableFuture<>();
        attempt(query, name, type, 0, result);
        return result;
    }

    private void attempt(Message query, String name, DnsType type, int i, CompletableFuture<DnsAnswer> result) {
        if (result.isDone()) return; // the lookup's deadline passed already
        SimpleResolver server = servers.get(i % servers.size());
        CompletableFuture<Message> sent;
        try {
            sent = server.sendAsync(query, completions).toCompletableFuture();
        } catch (RuntimeException e) { // e.g. no free local port: a failure like any other
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((response, error) -> {
            DnsAnswer a = error == null ? DnsRecords.answer(name, type, response) : failure(name, type, error);
            if (a.isError() && i + 1 < attempts) {
                LOG.debug("{}/{} from {}: {}; trying again", name, type, server.getAddress(), a.status());
                attempt(query, name, type, i + 1, result);
            } else {
                result.complete(a);
            }
        });
    }

    private static DnsAnswer failure(String name, DnsType type, Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) e = e.getCause();
        boolean timeout = e instanceof SocketTimeoutException || e instanceof TimeoutException;
        if (!timeout) LOG.debug("{}/{}: {}", name, type, e.toString());
        return new DnsAnswer(name, type, timeout ? DnsAnswer.Status.TIMEOUT : DnsAnswer.Status.SERVFAIL, List.of(), 0);
    }

    @Override
    public void close() {
        completions.shutdownNow();
    }
}

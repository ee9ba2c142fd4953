// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.rspamd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailgate.filters.external.ScannerException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * An rspamd client for the normal worker's {@code POST /checkv2} (rspamd's protocol page): the
 * message as the body, with its exact {@code Content-Length}, and the envelope and client as
 * request headers ({@code From}, one {@code Rcpt} per recipient, {@code IP}, {@code Helo},
 * {@code Hostname}, {@code Queue-Id}, {@code User}); the answer is JSON. Connections are kept
 * alive and reused by the HTTP client where rspamd allows it.
 */
public final class RspamdClient implements AutoCloseable {
    static final int MAX_ANSWER = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI uri;
    private final Duration ioTimeout;
    private final Map<String, String> fixedHeaders;
    private final HttpClient http;

    /**
     * @param fixedHeaders headers sent with every request (e.g. {@code Settings-ID}, {@code Password})
     */
    public RspamdClient(URI base, Duration connectTimeout, Duration ioTimeout, Map<String, String> fixedHeaders) {
        this.uri = base.resolve("/checkv2");
        this.ioTimeout = ioTimeout;
        this.fixedHeaders = Map.copyOf(fixedHeaders);
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout).build();
    }

    /**
     * Checks a message.
     *
     * @param envelope request headers; a list value becomes one header per element (Rcpt)
     */
    public JsonNode check(Supplier<InputStream> message, long length, Map<String, List<String>> envelope) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(message), length));
        if (ioTimeout != null) b.timeout(ioTimeout);
        fixedHeaders.forEach(b::header);
        envelope.forEach((k, values) -> values.forEach(v -> {
            if (v != null && !v.isEmpty()) b.header(k, v.replaceAll("[\\r\\n]", " "));
        }));
        HttpResponse<InputStream> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("rspamd at " + uri + ": interrupted");
        } catch (java.net.http.HttpTimeoutException e) {
            throw new dev.mailgate.filters.external.ScannerTimeoutException("rspamd at " + uri + ": no answer in time", e);
        } catch (java.net.ConnectException e) {
            Throwable why = e.getCause() != null ? e.getCause() : e;
            throw new ScannerException("rspamd at " + uri + ": cannot connect" + (why.getMessage() == null ? "" : ": " + why.getMessage()), e);
        } catch (IOException e) {
            String m = e.getMessage();
            throw new ScannerException("rspamd at " + uri + ": " + (m == null || m.isBlank() ? e.getClass().getSimpleName() : m), e);
        }
        byte[] body;
        try (InputStream in = r.body()) {
            body = in.readNBytes(MAX_ANSWER + 1);
        }
        if (body.length > MAX_ANSWER) throw new ScannerException("rspamd at " + uri + ": answer longer than " + MAX_ANSWER + " bytes");
        if (r.statusCode() != 200) {
            throw new ScannerException("rspamd at " + uri + " answered HTTP " + r.statusCode() + ": " + abbreviate(new String(body, java.nio.charset.StandardCharsets.UTF_8)));
        }
        try {
            JsonNode n = JSON.readTree(body);
            if (n == null || !n.isObject() || !n.hasNonNull("action")) throw new ScannerException("rspamd at " + uri + " answered without an action: " + abbreviate(new String(body)));
            return n;
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new ScannerException("rspamd at " + uri + " answered unreadable JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static String abbreviate(String s) {
        String one = s.replaceAll("\\s+", " ").strip();
        return one.length() > 160 ? one.substring(0, 160) + "..." : one;
    }

    @Override
    public void close() {
        http.close();
    }

    @Override
    public String toString() {
        return "rspamd at " + uri;
    }
}

// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.mailgate.core.policy.ListenAddress;
import dev.mailgate.metrics.TextWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code GET /metrics} (and HEAD) in the Prometheus text format; any other path is 404,
 * any other method on it 405.
 *
 * <p>Built on the JDK's {@code com.sun.net.httpserver} rather than Netty's HTTP codec: it adds no
 * jar, and it runs on threads of its own (its dispatcher, and a virtual thread per exchange), so
 * a scrape, or a slow or hostile client, can never hold up an event loop of the mail listeners.
 * A scrape is a few kilobytes a few times a minute; nothing here needs Netty's throughput. (The
 * Prometheus Java client's own exporter is built on the same server.)
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);
    static final String PATH = "/metrics";

    private final HttpServer server;
    private final ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("metrics-", 0).factory());

    private MetricsServer(HttpServer server, Supplier<String> scrape) {
        this.server = server;
        server.setExecutor(executor);
        server.createContext("/", exchange -> answer(exchange, scrape));
    }

    /** Binds {@code address} (inet only) and starts serving. */
    public static MetricsServer start(ListenAddress address, Supplier<String> scrape) throws IOException {
        if (address.isUnix()) throw new IOException("the metrics listener needs inet:host:port, not " + address);
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(address.host(), address.port()), 16);
        } catch (IOException e) {
            throw new IOException("cannot listen on " + address + ": " + e.getMessage(), e);
        }
        MetricsServer s = new MetricsServer(http, scrape);
        http.start();
        LOG.info("metrics listener on http://{}{}", hostPort(s.address()), PATH);
        return s;
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    private static void answer(HttpExchange exchange, Supplier<String> scrape) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes(); // a GET has no body; drain whatever came, for keep-alive
            String method = exchange.getRequestMethod();
            if (!PATH.equals(exchange.getRequestURI().getPath())) {
                send(exchange, 404, "text/plain; charset=utf-8", "not found; metrics are at " + PATH + "\n", method);
                return;
            }
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, "text/plain; charset=utf-8", "only GET and HEAD\n", method);
                return;
            }
            String text;
            try {
                text = scrape.get();
            } catch (RuntimeException e) {
                LOG.warn("metrics scrape failed: {}", e.toString(), e);
                send(exchange, 500, "text/plain; charset=utf-8", "scrape failed\n", method);
                return;
            }
            send(exchange, 200, TextWriter.CONTENT_TYPE, text, method);
        }
    }

    private static void send(HttpExchange exchange, int status, String type, String body, String method) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        if (method.equals("HEAD")) {
            // the length a GET would get, without the body (RFC 9110 9.3.2)
            exchange.getResponseHeaders().set("Content-Length", Integer.toString(bytes.length));
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String hostPort(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}

// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.core.policy.ListenAddress;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MetricsServerTest {
    private final AtomicInteger scrapes = new AtomicInteger();
    private MetricsServer server;

    private String base() throws Exception {
        server = MetricsServer.start(ListenAddress.parse("inet:127.0.0.1:0"), () -> "# scrape " + scrapes.incrementAndGet() + "\n");
        return "http://127.0.0.1:" + server.address().getPort();
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    @Test
    void getServesTheTextFormat() throws Exception {
        String base = base();
        HttpResponse<String> r = Scrapes.request("GET", base + "/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(r.body()).isEqualTo("# scrape 1\n");
        // Prometheus may add parameters; the path is what counts
        assertThat(Scrapes.request("GET", base + "/metrics?x=1").body()).isEqualTo("# scrape 2\n");
    }

    @Test
    void headAnswersTheLengthWithoutABody() throws Exception {
        HttpResponse<String> r = Scrapes.request("HEAD", base() + "/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEmpty();
        assertThat(r.headers().firstValue("Content-Length")).hasValue(Integer.toString("# scrape 1\n".length()));
    }

    @Test
    void otherPathsAre404AndOtherMethods405() throws Exception {
        String base = base();
        assertThat(Scrapes.request("GET", base + "/").statusCode()).isEqualTo(404);
        assertThat(Scrapes.request("GET", base + "/metrics/x").statusCode()).isEqualTo(404);
        assertThat(Scrapes.request("GET", base + "/favicon.ico").statusCode()).isEqualTo(404);
        HttpResponse<String> post = Scrapes.request("POST", base + "/metrics");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
        assertThat(Scrapes.request("DELETE", base + "/metrics").statusCode()).isEqualTo(405);
        assertThat(scrapes.get()).as("nothing but GET /metrics renders").isZero();
    }

    @Test
    void aBusyPortIsAClearError() throws Exception {
        base();
        int port = server.address().getPort();
        assertThatThrownBy(() -> MetricsServer.start(ListenAddress.parse("inet:127.0.0.1:" + port), () -> ""))
                .hasMessageContaining("cannot listen on");
    }
}

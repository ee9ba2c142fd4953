// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.metrics;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Test helpers: fetch /metrics over HTTP and read one sample. */
public final class Scrapes {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Scrapes() {}

    public static HttpResponse<String> request(String method, String url) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
        return HTTP.send(req, HttpResponse.BodyHandlers.ofString());
    }

    /** GET http://host:port/metrics; fails unless it answers 200. */
    public static String scrape(java.net.InetSocketAddress a) throws Exception {
        HttpResponse<String> r = request("GET", "http://127.0.0.1:" + a.getPort() + "/metrics");
        if (r.statusCode() != 200) throw new AssertionError("/metrics answered " + r.statusCode() + ": " + r.body());
        return r.body();
    }

    /** The value of the sample written exactly as {@code series} (name and labels), or -1 if absent. */
    public static double value(String scrape, String series) {
        return scrape.lines().filter(l -> l.startsWith(series + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1))).findFirst().orElse(-1);
    }
}

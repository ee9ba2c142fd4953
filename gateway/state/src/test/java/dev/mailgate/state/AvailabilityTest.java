// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.state;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The retry interval after a failure, by the injected clock, and the one-line-per-change logging. */
class AvailabilityTest {
    final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2025-03-01T10:00:00Z"));
    final InstantSource clock = now::get;
    final Availability a = new Availability("redis store redis://x", "using node-local state", Duration.ofSeconds(10), clock);
    final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    final Logger logger = (Logger) LoggerFactory.getLogger(Availability.class);

    @BeforeEach
    void capture() {
        logs.start();
        logger.addAppender(logs);
    }

    @AfterEach
    void release() {
        logger.detachAppender(logs);
    }

    List<String> lines() {
        return logs.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
    }

    @Test
    void afterAFailureTheBackendIsLeftAloneForTheRetryInterval() {
        assertThat(a.tryBackend()).isTrue();
        a.failed(new IOException("connection refused"));
        assertThat(a.tryBackend()).isFalse();
        now.set(now.get().plusMillis(9_999));
        assertThat(a.tryBackend()).isFalse();
        now.set(now.get().plusMillis(1));
        assertThat(a.tryBackend()).isTrue();
        a.failed(new IOException("still refused")); // the retry failed: another interval
        now.set(now.get().plusSeconds(5));
        assertThat(a.tryBackend()).isFalse();
    }

    @Test
    void anOutageIsLoggedOnceAndItsEndOnce() {
        for (int i = 0; i < 100; i++) {
            a.failed(new IOException("refused"));
            a.fellBack();
        }
        assertThat(a.isUp()).isFalse();
        assertThat(lines()).containsExactly(
                "WARN redis store redis://x unavailable (IOException: refused); using node-local state and retrying every 10 s");
        a.succeeded();
        a.succeeded();
        assertThat(a.isUp()).isTrue();
        assertThat(a.tryBackend()).isTrue();
        assertThat(lines()).hasSize(2).last().isEqualTo("INFO redis store redis://x is back after 100 failed operations; shared state resumes");
        assertThat(a.failures()).isEqualTo(100);
        assertThat(a.fallbacks()).isEqualTo(100);
    }
}

// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.greylist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgate.filters.greylist.TripletRules.Status;
import dev.mailgate.filters.greylist.TripletRules.Step;
import dev.mailgate.filters.greylist.TripletRules.Write;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The timing rules on plain numbers, edges included. */
class TripletRulesTest {
    final TripletRules rules = new TripletRules(Duration.ofMinutes(5), Duration.ofHours(4), Duration.ofDays(32));
    static final long T = 1_000_000_000L;
    static final long MIN = 60_000L;

    Step at(String stored, long now) {
        return rules.next(Optional.ofNullable(stored), now);
    }

    @Test
    void boundaries() {
        assertThat(at(null, T)).isEqualTo(new Step(Status.NEW, Write.CLAIM, 300));
        assertThat(at("F" + T, T + 5 * MIN - 1)).isEqualTo(new Step(Status.EARLY, Write.NONE, 1));
        assertThat(at("F" + T, T + 5 * MIN)).isEqualTo(new Step(Status.PASSED, Write.MARK_PASSED, 0));
        assertThat(at("F" + T, T + 240 * MIN)).isEqualTo(new Step(Status.PASSED, Write.MARK_PASSED, 0));
        assertThat(at("F" + T, T + 240 * MIN + 1)).isEqualTo(new Step(Status.NEW, Write.RESTART, 300));
    }

    @Test
    void passesAreRefreshedNowAndThenAndExpire() {
        long day = 24 * 60 * MIN;
        assertThat(at("P" + T, T + 1)).isEqualTo(new Step(Status.KNOWN, Write.NONE, 0));
        assertThat(at("P" + T, T + day + 1)).as("older than 1/32 of the lifetime").isEqualTo(new Step(Status.KNOWN, Write.REFRESH, 0));
        assertThat(at("P" + T, T + 32 * day)).isEqualTo(new Step(Status.KNOWN, Write.REFRESH, 0));
        assertThat(at("P" + T, T + 32 * day + 1)).isEqualTo(new Step(Status.NEW, Write.RESTART, 300));
    }

    @Test
    void garbageOrAClockGoingBackStartsOver() {
        assertThat(at("X", T)).isEqualTo(new Step(Status.NEW, Write.RESTART, 300));
        assertThat(at("Fabc", T)).isEqualTo(new Step(Status.NEW, Write.RESTART, 300));
        assertThat(at("F" + (T + MIN), T)).isEqualTo(new Step(Status.NEW, Write.RESTART, 300));
    }

    @Test
    void senderNormalization() {
        assertThat(Triplets.normalizeSender("Bounce-12345@Lists.Test")).isEqualTo("bounce-#@lists.test");
        assertThat(Triplets.normalizeSender("prvs=0123abcd=carol@batv.test")).isEqualTo("carol@batv.test");
        assertThat(Triplets.normalizeSender("")).isEmpty();
        assertThat(Triplets.key("192.0.2.0/24", "A@B.test", "C@D.test")).isEqualTo("gl:t:192.0.2.0/24|a@b.test|c@d.test");
    }
}

// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterFactory;
import dev.mailgate.api.FilterServices;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.api.Stage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which parts of a message a policy asks the MTA for: as little as it can, never less than it reads. */
class EventNeedsTest {
    /** A filter acting at end of data only: it may still read anything, so nothing is skipped. */
    private static final FilterFactory END_ONLY = new FilterFactory() {
        public String type() { return "endonly"; }

        public Filter create(FilterSettings s, FilterServices v) {
            return () -> Set.of(Stage.DATA_RECEIVED);
        }
    };

    private final PolicyLoader loader = new PolicyLoader(new FilterRegistry(List.of(END_ONLY)), Clock.systemUTC());

    private EventNeeds needs(String yaml) {
        return loader.parse("p.yaml", yaml).eventNeeds();
    }

    private static String atEnd(String then) {
        return "rules:\n  onDataReceived:\n    - then: " + then + "\n";
    }

    @Test
    void theDefaultPolicyNeedsOnlyTheEnvelopeAndTheEnd() throws Exception {
        String yaml = Files.readString(Path.of("../../policies/default.yaml"));
        assertThat(needs(yaml)).isEqualTo(new EventNeeds(false, false, false, false));
    }

    @Test
    void connectionVariablesDoNotNeedTheConnectEvent() {
        // they are rebuilt from the macros that come with the next event
        assertThat(needs(atEnd("{ addHeader: \"X-C: ${remoteSmtpIp} ${mtaHostname}\" }")).connect()).isFalse();
        assertThat(needs("rules:\n  onConnect:\n    - if: remoteSmtpIp == \"192.0.2.1\"\n      then: reject\n").connect()).isTrue();
    }

    @Test
    void readingTheHeloNameOrTlsKeepsHelo() {
        assertThat(needs("rules:\n  onMailFrom:\n    - if: ehloHost == \"x\"\n      then: reject\n"))
                .isEqualTo(new EventNeeds(false, true, false, false));
        assertThat(needs("rules:\n  onRcptTo:\n    - if: isSSLConnection\n      then: accept\n").helo()).isTrue();
        assertThat(needs("rules:\n  onEhlo:\n    - then: { set: { smtpExplanation: hi } }\n").helo()).isTrue();
    }

    @Test
    void headerRulesVariablesAndRelativeEditsKeepTheHeaders() {
        assertThat(needs("rules:\n  onDataReceived:\n    - if: subject.contains(\"x\")\n      then: reject\n").headers()).isTrue();
        assertThat(needs("rules:\n  onDataReceived:\n    - if: \"'x-a' in headers\"\n      then: reject\n").headers()).isTrue();
        assertThat(needs(atEnd("{ addHeader: \"X-N: ${receivedCount}\" }")).headers()).isTrue();
        assertThat(needs(atEnd("{ removeHeader: X-Old }")).headers()).isTrue();
        assertThat(needs(atEnd("{ addIfNotExistsHeader: \"X-A: 1\" }")).headers()).isTrue();
        assertThat(needs("rules:\n  onHeadersReceived:\n    - then: accept\n").headers()).isTrue();
        // a plain addHeader does not care what is already there
        assertThat(needs(atEnd("{ addHeader: \"X-A: 1\" }")).headers()).isFalse();
    }

    @Test
    void countingTheSizeNeedsHeadersAndBody() {
        EventNeeds n = needs("rules:\n  onDataReceived:\n    - if: messageSize > 100\n      then: reject\n");
        assertThat(n.body()).isTrue();
        assertThat(n.headers()).isTrue();
    }

    @Test
    void anyFilterOrTheMacroMapNeedsEverythingButTheBody() {
        assertThat(needs("filters:\n  - endonly: {}\n")).isEqualTo(new EventNeeds(true, true, true, false));
        assertThat(needs("rules:\n  onDataReceived:\n    - if: macro[\"j\"] == \"x\"\n      then: reject\n"))
                .isEqualTo(new EventNeeds(true, true, true, false));
    }
}

// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.dnsbl;

import dev.mailgate.dns.DnsAnswer;
import dev.mailgate.dns.Lookups;
import dev.mailgate.dns.DnsResolver;
import dev.mailgate.dns.DnsType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Looks a subject (a reversed address, a domain) up in several lists at once and waits at most
 * a budget for all of them: the A records first, then, for the lists that list it, the TXT
 * explanation. A list that does not answer in time is a {@link Failed} outcome, never "clean".
 */
final class ListLookups {
    private ListLookups() {}

    /**
     * One lookup.
     *
     * @param zone    the list
     * @param name    the name to ask ({@code 2.0.0.127.zen.example.org})
     * @param subject what is looked up, for details ({@code 127.0.0.2}, {@code example.com})
     */
    record Target(DnsblZone zone, String name, String subject) {}

    /** What one list said. */
    sealed interface Outcome {
        DnsblZone zone();
    }

    /** Listed: the answers, their meanings (from the return-code map) and the TXT text. */
    record Listed(DnsblZone zone, String subject, List<String> answers, List<String> meanings, String explanation) implements Outcome {}

    /** Not listed (NXDOMAIN, NODATA, or only answers the return-code map ignores). */
    record Clean(DnsblZone zone) implements Outcome {}

    /** Unknown: the list timed out, failed or refused; never taken for "clean". */
    record Failed(DnsblZone zone, boolean timeout, String detail) implements Outcome {}

    static List<Outcome> run(DnsResolver dns, List<Target> targets, boolean txt, Duration budget) throws InterruptedException {
        long deadline = System.nanoTime() + budget.toNanos();
        List<CompletableFuture<DnsAnswer>> a = new ArrayList<>(targets.size());
        for (Target t : targets) a.add(dns.lookup(t.name(), DnsType.A));
        Lookups.awaitAll(a, deadline);
        List<Outcome> out = new ArrayList<>(targets.size());
        List<CompletableFuture<DnsAnswer>> texts = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            Outcome o = outcome(targets.get(i), a.get(i), budget);
            out.add(o);
            texts.add(txt && o instanceof Listed ? dns.lookup(targets.get(i).name(), DnsType.TXT) : null);
        }
        if (texts.stream().anyMatch(f -> f != null)) {
            Lookups.awaitAll(texts.stream().filter(f -> f != null).toList(), deadline);
            for (int i = 0; i < out.size(); i++) {
                CompletableFuture<DnsAnswer> f = texts.get(i);
                if (f != null && out.get(i) instanceof Listed l) {
                    DnsAnswer t = f.getNow(null);
                    // the explanation is a courtesy: without it the listing still stands
                    if (t != null && t.status() == DnsAnswer.Status.OK) {
                        out.set(i, new Listed(l.zone(), l.subject(), l.answers(), l.meanings(), explanation(t.records())));
                    }
                }
            }
        }
        return out;
    }

    private static Outcome outcome(Target t, CompletableFuture<DnsAnswer> f, Duration budget) {
        DnsAnswer a = f.getNow(null);
        if (a == null) return new Failed(t.zone(), true, t.zone().zone() + ": no answer for " + t.subject() + " within " + budget.toMillis() + " ms");
        return switch (a.status()) {
            case NXDOMAIN, NODATA -> new Clean(t.zone());
            case TIMEOUT -> new Failed(t.zone(), true, t.zone().zone() + ": lookup of " + t.subject() + " timed out");
            case SERVFAIL -> new Failed(t.zone(), false, t.zone().zone() + ": lookup of " + t.subject() + " failed (SERVFAIL)");
            case OK -> {
                try {
                    List<String> meanings = t.zone().meanings(a.records());
                    yield meanings == null ? new Clean(t.zone()) : new Listed(t.zone(), t.subject(), a.records(), meanings, "");
                } catch (DnsblZone.RefusedException e) {
                    yield new Failed(t.zone(), false, t.zone().zone() + ": " + e.getMessage());
                }
            }
        };
    }

    /**
     * TXT records as one line fit for an SMTP reply: joined with spaces, control characters
     * (CR, LF could end the reply early) replaced, at most 300 characters.
     */
    static String explanation(List<String> records) {
        StringBuilder sb = new StringBuilder();
        for (String r : records) {
            if (!sb.isEmpty()) sb.append(' ');
            for (int i = 0; i < r.length() && sb.length() < 300; i++) {
                char c = r.charAt(i);
                sb.append(c < 0x20 || c == 0x7f ? ' ' : c);
            }
        }
        return sb.length() > 300 ? sb.substring(0, 300) : sb.toString().strip();
    }
}

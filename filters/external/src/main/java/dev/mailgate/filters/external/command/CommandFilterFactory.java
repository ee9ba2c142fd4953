// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.command;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterFactory;
import dev.mailgate.api.FilterServices;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.api.Stage;
import dev.mailgate.filters.external.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Builds the {@code command} filter; see the package documentation for its settings. */
public final class CommandFilterFactory implements FilterFactory {
    @Override
    public String type() {
        return "command";
    }

    @Override
    public String description() {
        return "an external program per message; its exit code decides (hMailServer's external scanner)";
    }

    @Override
    public Filter create(FilterSettings s, FilterServices services) {
        List<String> keys = new ArrayList<>(List.of("command", "input", "event", "reply", "tempReply", "maxSize", "killAfter", "json"));
        keys.addAll(ExitCodes.KEYS);
        s.allowOnly(keys.toArray(String[]::new));
        List<String> argv = s.strings("command");
        if (argv.isEmpty() || argv.get(0).isBlank()) throw s.invalid("command", "is required: the program and its arguments, e.g. [/usr/bin/scan, --stdin]");
        if (!argv.get(0).startsWith("/")) throw s.invalid("command", "give the program's absolute path, not '" + argv.get(0) + "'");
        if (!Files.isExecutable(Path.of(argv.get(0)))) {
            // not fatal: the program may be installed after the policy; every message then fails (onError)
            org.slf4j.LoggerFactory.getLogger(CommandFilterFactory.class).warn("filter={}: {} is not executable (yet)", s.name(), argv.get(0));
        }
        CommandFilter.Input input;
        String in = s.string("input", "stdin");
        try {
            input = CommandFilter.Input.valueOf(in.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw s.invalid("input", "must be stdin, file or none, not '" + in + "'");
        }
        if (input == CommandFilter.Input.FILE && argv.stream().noneMatch(a -> a.contains("{file}"))) {
            throw s.invalid("command", "with input: file, name the message file with {file} in the command");
        }
        String eventName = s.string("event", Stage.DATA_RECEIVED.eventName());
        Stage stage = Stage.byEventName(eventName).filter(x -> x.compareTo(Stage.DATA_RECEIVED) <= 0 && x != Stage.BODY_CHUNK)
                .orElseThrow(() -> s.invalid("event", "must be onConnect, onEhlo, onMailFrom, onRcptTo, onData, onHeadersReceived or onDataReceived"));
        if (stage != Stage.DATA_RECEIVED && input != CommandFilter.Input.NONE && s.keys().contains("input")) {
            throw s.invalid("input", "the message exists at onDataReceived only; use input: none at " + eventName);
        }
        if (stage != Stage.DATA_RECEIVED) input = CommandFilter.Input.NONE;
        Duration killAfter = null;
        if (s.keys().contains("killAfter")) {
            killAfter = s.duration("killAfter", Duration.ZERO);
            if (killAfter.isZero()) throw s.invalid("killAfter", "must be longer than 0");
        }
        ExitCodes codes = ExitCodes.parse(s);
        String reply = s.string("reply", "554 5.7.1 Message rejected by {name}: {output}");
        String tempReply = s.string("tempReply", "451 4.7.1 Message deferred by {name}, try again later");
        checkReply(s, "reply", reply, true);
        checkReply(s, "tempReply", tempReply, false);
        return new CommandFilter(s.name(), argv, input, stage, codes, reply, tempReply, Settings.maxSize(s, 0), killAfter,
                s.bool("json", false), services.tempDirectory());
    }

    private static void checkReply(FilterSettings s, String key, String text, boolean permanent) {
        try {
            dev.mailgate.api.SmtpReply r = dev.mailgate.api.SmtpReply.parse(text, permanent ? 550 : 451);
            if (permanent ? !r.isPermanent() : !r.isTemporary()) throw s.invalid(key, "must be a " + (permanent ? "5xx" : "4xx") + " reply, not '" + text + "'");
        } catch (IllegalArgumentException e) {
            throw s.invalid(key, "invalid reply: " + e.getMessage());
        }
    }
}

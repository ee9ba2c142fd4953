// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.command;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mailgate.api.FilterContext;
import dev.mailgate.api.HeaderField;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Var;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the command learns about the message besides its bytes, as environment variables: a few
 * well-known names ({@code MAILGATE_MAIL_FROM}, {@code MAILGATE_RCPT_TO}, {@code MAILGATE_CLIENT_IP},
 * ...) and every standard variable that has a value as {@code MAILGATE_VAR_<seedName>} (lists joined
 * with commas); optionally the same plus the headers as a JSON file named by {@code MAILGATE_CONTEXT}.
 * Values go through the environment, never through a shell command line, so nothing a sender
 * writes can become a command.
 */
final class ProcessContext {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ProcessContext() {}

    static Map<String, String> environment(FilterContext ctx, String filterName) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MAILGATE_FILTER", filterName);
        env.put("MAILGATE_SESSION", ctx.sessionId());
        env.put("MAILGATE_EVENT", ctx.stage().eventName());
        env.put("MAILGATE_QUEUE_ID", ctx.get(StandardVars.QUEUE_ID));
        env.put("MAILGATE_CLIENT_IP", ctx.get(StandardVars.REMOTE_SMTP_IP));
        env.put("MAILGATE_CLIENT_HOST", ctx.get(StandardVars.REMOTE_SMTP_HOST));
        env.put("MAILGATE_HELO", ctx.get(StandardVars.EHLO_HOST));
        env.put("MAILGATE_AUTH_USER", ctx.get(StandardVars.AUTH_USER));
        env.put("MAILGATE_MAIL_FROM", ctx.get(StandardVars.MAIL_FROM_ADDR));
        env.put("MAILGATE_RCPT_TO", String.join(",", ctx.get(StandardVars.RECIPIENTS)));
        for (Var<?> v : StandardVars.ALL) {
            ctx.find(v).ifPresent(value -> env.put("MAILGATE_VAR_" + v.name(), text(value)));
        }
        env.replaceAll((k, v) -> v.replace('\0', ' '));
        return env;
    }

    private static String text(Object value) {
        return value instanceof List<?> l ? String.join(",", l.stream().map(String::valueOf).toList()) : String.valueOf(value);
    }

    /** Writes the JSON context file: {filter, session, event, variables: {...}, headers: [[name, value], ...]}. */
    static void writeJson(FilterContext ctx, String filterName, Path file) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("filter", filterName);
        root.put("session", ctx.sessionId());
        root.put("event", ctx.stage().eventName());
        ObjectNode vars = root.putObject("variables");
        for (Var<?> v : StandardVars.ALL) {
            ctx.find(v).ifPresent(value -> vars.set(v.name(), JSON.valueToTree(value)));
        }
        ArrayNode headers = root.putArray("headers");
        for (HeaderField h : ctx.headers()) headers.addArray().add(h.name()).add(h.value());
        Files.write(file, JSON.writeValueAsBytes(root));
    }
}

// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelBuilder;
import dev.cel.bundle.CelFactory;
import dev.cel.checker.CelStandardDeclarations;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelIssue;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.CelValidationException;
import dev.cel.common.ast.CelReference;
import dev.cel.common.types.CelType;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelFunctionBinding;
import dev.cel.runtime.CelStandardFunctions;
import dev.cel.runtime.CelRuntime;
import dev.mailgate.api.Stage;
import dev.mailgate.api.Var;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compiles rule conditions with CEL, once, when the policy loads. Each event gets its own CEL
 * environment that declares only the variables that can exist at that event, so a rule reading
 * {@code SPFResult} in {@code onConnect} is refused at load instead of silently comparing "".
 *
 * <p>Beyond standard CEL: {@code macro} (map of MTA macros by bare name: {@code macro.j},
 * {@code macro["daemon_name"]}), {@code headers} (lower-case name to list of values, from
 * onHeadersReceived on), and {@code inNetwork(ip, "trusted" | "10.0.0.0/8")}.
 */
final class ConditionCompiler {
    static final String MACRO = "macro";
    static final String HEADERS = "headers";
    private static final Pattern UNDECLARED = Pattern.compile("undeclared reference to '([^']+)'");

    private final Map<Stage, Cel> byStage = new EnumMap<>(Stage.class);
    private final Map<String, Var<?>> variables;

    /** A compile error with its position inside the expression (1-based line, 0-based column). */
    static final class CompileError extends Exception {
        final int line;
        final int column;

        CompileError(String message, int line, int column) {
            super(message);
            this.line = line;
            this.column = column;
        }
    }

    ConditionCompiler(Map<String, Var<?>> variables, Networks networks) {
        this.variables = variables;
        CelFunctionDecl inNetwork = CelFunctionDecl.newFunctionDeclaration("inNetwork",
                CelOverloadDecl.newGlobalOverload("inNetwork_string_string",
                        "true if the IP address lies in the named network set or CIDR", SimpleType.BOOL, SimpleType.STRING, SimpleType.STRING));
        CelFunctionBinding inNetworkImpl = CelFunctionBinding.from("inNetwork_string_string", String.class, String.class,
                networks::matches);
        // the standard environment, but matches() with the pattern compiled once, not at every evaluation
        CelStandardDeclarations declarations = CelStandardDeclarations.newBuilder().build();
        CelStandardFunctions functions = CelStandardFunctions.newBuilder().excludeFunctions(CelStandardFunctions.StandardFunction.MATCHES).build();
        List<CelFunctionBinding> matches = CachedMatches.bindings();
        for (Stage stage : Stage.values()) {
            CelBuilder b = CelFactory.standardCelBuilder()
                    .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                    // lowerAscii(), split(), join(), replace(), ... for header and address rules
                    .addCompilerLibraries(CelExtensions.strings(), CelExtensions.lists())
                    .addRuntimeLibraries(CelExtensions.strings(), CelExtensions.lists())
                    .addFunctionDeclarations(inNetwork)
                    .addFunctionBindings(inNetworkImpl)
                    .setStandardEnvironmentEnabled(false)
                    .setStandardDeclarations(declarations)
                    .setStandardFunctions(functions)
                    .addFunctionBindings(matches)
                    .addVar(MACRO, MapType.create(SimpleType.STRING, SimpleType.STRING));
            if (Stage.HEADERS_RECEIVED.compareTo(stage) <= 0) {
                b.addVar(HEADERS, MapType.create(SimpleType.STRING, ListType.create(SimpleType.STRING)));
            }
            for (Var<?> v : variables.values()) {
                if (v.readableAt(stage)) b.addVar(v.name(), celType(v));
            }
            byStage.put(stage, b.build());
        }
    }

    static CelType celType(Var<?> v) {
        Class<?> t = v.type();
        if (t == String.class) return SimpleType.STRING;
        if (t == Long.class) return SimpleType.INT;
        if (t == Double.class) return SimpleType.DOUBLE;
        if (t == Boolean.class) return SimpleType.BOOL;
        return ListType.create(SimpleType.STRING);
    }

    /** The compiled program and the variable names it reads. */
    record Compiled(CelRuntime.Program program, Set<String> reads) {}

    Compiled compile(Stage stage, String expression) throws CompileError {
        Cel cel = byStage.get(stage);
        CelAbstractSyntaxTree ast;
        try {
            ast = cel.compile(expression).getAst();
        } catch (CelValidationException e) {
            CelIssue first = e.getErrors().get(0);
            throw new CompileError(explain(stage, first.getMessage()), first.getSourceLocation().getLine(), first.getSourceLocation().getColumn());
        }
        if (!ast.getResultType().equals(SimpleType.BOOL)) {
            throw new CompileError("a condition must be true or false, this one is " + ast.getResultType().name(), 1, 0);
        }
        Set<String> reads = new HashSet<>();
        for (CelReference r : ast.getReferenceMap().values()) {
            if (!r.name().isEmpty()) reads.add(r.name());
        }
        try {
            return new Compiled(cel.createProgram(ast), Set.copyOf(reads));
        } catch (CelEvaluationException e) {
            throw new CompileError(e.getMessage(), 1, 0);
        }
    }

    private String explain(Stage stage, String celMessage) {
        Matcher m = UNDECLARED.matcher(celMessage);
        if (m.find()) {
            String name = m.group(1);
            Var<?> v = variables.get(name);
            if (v != null) {
                return "'" + name + "' is set at " + v.availableFrom().eventName() + "; a rule of " + stage.eventName() + " cannot read it yet";
            }
            for (Var<?> prefixed : variables.values()) {
                // `dnsbl.listedBy` parses as a field of `dnsbl`: name the real variable
                if (prefixed.name().startsWith(name + ".") && !prefixed.readableAt(stage)) {
                    return "'" + prefixed.name() + "' is set at " + prefixed.availableFrom().eventName()
                            + "; a rule of " + stage.eventName() + " cannot read it yet";
                }
            }
            if (name.equals(HEADERS)) {
                return "'headers' exist from onHeadersReceived on; a rule of " + stage.eventName() + " cannot read them";
            }
            return "unknown variable '" + name + "'";
        }
        return celMessage;
    }

    /** The names a condition may use at a stage (for templates and docs). */
    Set<String> readableNames(Stage stage) {
        Set<String> names = new HashSet<>();
        for (Var<?> v : variables.values()) if (v.readableAt(stage)) names.add(v.name());
        return names;
    }

    static List<String> extraNames() {
        return List.of(MACRO, HEADERS);
    }
}

package dev.prefloop.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.util.Locale;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

/** LoggingMixin holds {@code --log-level}, inherited by every verb, and applies it once before a verb runs. */
public final class LoggingMixin {

    /** The level names accepted by --log-level. */
    public enum LogLevel { error, warn, info, debug, trace }

    @Option(names = "--log-level", paramLabel = "LEVEL", scope = ScopeType.INHERIT, defaultValue = "info",
            description = "Log detail on stderr: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    LogLevel level = LogLevel.info;

    /** Sets the log level from the parsed options (the innermost verb's value wins), then runs the verb. */
    static int executionStrategy(ParseResult parsed) {
        LogLevel chosen = LogLevel.info;
        for (ParseResult r = parsed; r != null; r = r.subcommand()) {
            if (r.hasMatchedOption("--log-level")) {
                chosen = r.matchedOptionValue("--log-level", LogLevel.info);
            }
        }
        apply(chosen);
        return new CommandLine.RunLast().execute(parsed);
    }

    static void apply(LogLevel l) {
        Logger prefloop = (Logger) LoggerFactory.getLogger("dev.prefloop");
        prefloop.setLevel(Level.toLevel(l.name().toUpperCase(Locale.ROOT)));
    }
}

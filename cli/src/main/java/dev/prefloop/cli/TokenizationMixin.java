package dev.prefloop.cli;

import dev.prefloop.engine.djl.text.TokenizationOptions;
import java.time.Clock;
import picocli.CommandLine.Option;

/**
 * TokenizationMixin holds the options of verbs that tokenize text records: {@code --max-prompt-tokens},
 * {@code --max-completion-tokens}, {@code --chat-template-kwargs}, {@code --now}.
 */
public final class TokenizationMixin {

    @Option(names = "--max-prompt-tokens", paramLabel = "N", defaultValue = "0",
            description = "Keep each prompt's last N tokens (0: no limit; default: ${DEFAULT-VALUE}).")
    int maxPromptTokens;

    @Option(names = "--max-completion-tokens", paramLabel = "N", defaultValue = "0",
            description = "Keep each completion's first N tokens (0: no limit; default: ${DEFAULT-VALUE}).")
    int maxCompletionTokens;

    @Option(names = "--chat-template-kwargs", paramLabel = "JSON",
            description = "Extra chat-template variables as a JSON object, e.g. '{\"enable_thinking\": false}'"
                    + " (TRL's chat_template_kwargs; a record's own chat_template_kwargs field overrides them).")
    String chatTemplateKwargs;

    @Option(names = "--now", paramLabel = "ISO-TIME", converter = ClockConverter.class,
            description = "Pin the time the template's strftime_now reads (default: the system clock).")
    Clock now;

    /** The parsed options. */
    TokenizationOptions options() {
        return new TokenizationOptions(maxPromptTokens, maxCompletionTokens, chatTemplateKwargs, now);
    }
}

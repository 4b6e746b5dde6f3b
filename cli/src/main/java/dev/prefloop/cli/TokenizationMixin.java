package dev.prefloop.cli;

import dev.prefloop.engine.djl.text.TokenizationOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * TokenizationMixin holds the options of verbs that tokenize text records: {@code --max-prompt-tokens},
 * {@code --max-completion-tokens} and the {@link ChatTemplateMixin} options.
 */
public final class TokenizationMixin {

    @Option(names = "--max-prompt-tokens", paramLabel = "N", defaultValue = "0",
            description = "Keep each prompt's last N tokens (0: no limit; default: ${DEFAULT-VALUE}).")
    int maxPromptTokens;

    @Option(names = "--max-completion-tokens", paramLabel = "N", defaultValue = "0",
            description = "Keep each completion's first N tokens (0: no limit; default: ${DEFAULT-VALUE}).")
    int maxCompletionTokens;

    @Mixin
    ChatTemplateMixin template;

    /** The parsed options. */
    TokenizationOptions options() {
        return template.options(maxPromptTokens, maxCompletionTokens);
    }
}

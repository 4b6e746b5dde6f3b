package dev.prefloop.cli;

import dev.prefloop.engine.djl.text.TokenizationOptions;
import java.time.Clock;
import picocli.CommandLine.Option;

/**
 * ChatTemplateMixin holds the chat-template options of verbs that render text records:
 * {@code --chat-template-kwargs} and {@code --now}.
 */
public final class ChatTemplateMixin {

    @Option(names = "--chat-template-kwargs", paramLabel = "JSON",
            description = "Extra chat-template variables as a JSON object, e.g. '{\"enable_thinking\": false}'"
                    + " (TRL's chat_template_kwargs; a record's own chat_template_kwargs field overrides them).")
    String chatTemplateKwargs;

    @Option(names = "--now", paramLabel = "ISO-TIME", converter = ClockConverter.class,
            description = "Pin the time the template's strftime_now reads (default: the system clock).")
    Clock now;

    /** The options with the given truncation limits (0: none). */
    TokenizationOptions options(int maxPromptTokens, int maxCompletionTokens) {
        return new TokenizationOptions(maxPromptTokens, maxCompletionTokens, chatTemplateKwargs, now);
    }
}

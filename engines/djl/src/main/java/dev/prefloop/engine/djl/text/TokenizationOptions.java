package dev.prefloop.engine.djl.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.engine.djl.text.template.ChatTemplate;
import dev.prefloop.engine.djl.text.template.TemplateValues;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * TokenizationOptions are the options of every verb that tokenizes text records with a
 * {@link RecordTokenizer} ({@code tokenize}, {@code score}): truncation limits, extra chat-template
 * variables and the clock {@code strftime_now} reads.
 *
 * @param maxPromptTokens keep at most this many prompt tokens, the last ones (0: no limit)
 * @param maxCompletionTokens keep at most this many tokens of each completion, the first ones (0: no limit)
 * @param chatTemplateKwargs extra chat-template variables as a JSON object text, or null
 * @param now the clock strftime_now reads, or null for the system clock
 */
public record TokenizationOptions(int maxPromptTokens, int maxCompletionTokens, String chatTemplateKwargs, Clock now) {

    /** No limits, no extra variables, the system clock. */
    public static final TokenizationOptions DEFAULT = new TokenizationOptions(0, 0, null, null);

    public TokenizationOptions {
        if (maxPromptTokens < 0) {
            throw new UsageException("--max-prompt-tokens " + maxPromptTokens + ": expected 0 (no limit) or more");
        }
        if (maxCompletionTokens < 0) {
            throw new UsageException("--max-completion-tokens " + maxCompletionTokens + ": expected 0 (no limit) or more");
        }
        kwargs(chatTemplateKwargs); // fail before any work
    }

    /** The parsed --chat-template-kwargs, empty when not given. */
    public Map<String, Object> kwargs() {
        return kwargs(chatTemplateKwargs);
    }

    /** A record tokenizer with these options. */
    public RecordTokenizer recordTokenizer(Tokenizer tokenizer, ChatTemplate template) {
        return new RecordTokenizer(tokenizer, template, kwargs(), maxPromptTokens, maxCompletionTokens,
                now == null ? Clock.systemDefaultZone() : now);
    }

    /** The options as recorded in a manifest (they decide the token ids). */
    public Map<String, Object> manifestOptions() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("max_prompt_tokens", maxPromptTokens);
        m.put("max_completion_tokens", maxCompletionTokens);
        m.put("chat_template_kwargs", kwargs());
        m.put("now", now == null ? null : now.instant().toString() + " " + now.getZone());
        return m;
    }

    private static Map<String, Object> kwargs(String json) {
        if (json == null) {
            return Map.of();
        }
        JsonNode node;
        try {
            node = JsonCodec.mapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new UsageException("--chat-template-kwargs: not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new UsageException("--chat-template-kwargs: expected a JSON object such as"
                    + " '{\"enable_thinking\": false}'");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) TemplateValues.fromJson(node);
        return m;
    }
}

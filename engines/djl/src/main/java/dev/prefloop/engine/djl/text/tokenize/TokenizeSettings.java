package dev.prefloop.engine.djl.text.tokenize;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.data.ShardFormat;
import dev.prefloop.core.data.SliceSpec;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.engine.djl.text.template.TemplateValues;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * TokenizeSettings is everything {@code prefloop tokenize} needs.
 *
 * @param input the dataset (file, directory, glob or -)
 * @param out the output directory
 * @param model the model or tokenizer directory
 * @param format the output shard format
 * @param slice the slice of the input to process
 * @param maxPromptTokens keep at most this many prompt tokens, the last ones (0: no limit)
 * @param maxCompletionTokens keep at most this many tokens of each completion, the first ones (0: no limit)
 * @param chatTemplateKwargs extra chat-template variables as a JSON object text, or null
 * @param now the clock strftime_now reads, or null for the system clock
 * @param force redo or replace earlier output
 */
public record TokenizeSettings(String input, Path out, Path model, ShardFormat format, SliceSpec slice,
        int maxPromptTokens, int maxCompletionTokens, String chatTemplateKwargs, Clock now, boolean force) {

    public TokenizeSettings {
        if (format == ShardFormat.PARQUET) {
            throw new UsageException("--format parquet: prefloop reads Parquet but writes arrow, jsonl or jsonl.gz");
        }
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

    /** The options that decide the output, as recorded in the manifest. */
    public Map<String, Object> manifestOptions() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", format.extension().substring(1));
        m.put("max_prompt_tokens", maxPromptTokens);
        m.put("max_completion_tokens", maxCompletionTokens);
        m.put("chat_template_kwargs", kwargs());
        m.put("now", now == null ? null : now.instant().toString() + " " + now.getZone());
        return m;
    }
}

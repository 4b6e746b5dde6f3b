package dev.prefloop.engine.djl.text.tokenize;

import dev.prefloop.core.data.ShardFormat;
import dev.prefloop.core.data.SliceSpec;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.engine.djl.text.TokenizationOptions;
import java.nio.file.Path;
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
 * @param tokenization truncation limits, chat-template variables, clock
 * @param force redo or replace earlier output
 * @param assistantMasks add {@code assistant_masks} to {@code messages} records (TRL's assistant_only_loss)
 */
public record TokenizeSettings(String input, Path out, Path model, ShardFormat format, SliceSpec slice,
        TokenizationOptions tokenization, boolean force, boolean assistantMasks) {

    public TokenizeSettings {
        if (format == ShardFormat.PARQUET) {
            throw new UsageException("--format parquet: prefloop reads Parquet but writes arrow, jsonl or jsonl.gz");
        }
    }

    /** The options that decide the output, as recorded in the manifest. */
    public Map<String, Object> manifestOptions() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", format.extension().substring(1));
        m.putAll(tokenization.manifestOptions());
        m.put("assistant_only_loss", assistantMasks);
        return m;
    }
}

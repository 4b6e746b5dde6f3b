package dev.prefloop.engine.djl.score;

import dev.prefloop.core.data.ShardFormat;
import dev.prefloop.core.data.SliceSpec;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.engine.djl.model.ComputeDtype;
import dev.prefloop.engine.djl.model.DeviceSpec;
import dev.prefloop.engine.djl.text.TokenizationOptions;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ScoreSettings is everything {@code prefloop score} needs: the model (and a LoRA adapter on it), the dataset and
 * output directory, which columns to add (--per-token, --as-ref), batching limits, device, dtype, slice,
 * and how text records are tokenized.
 *
 * @param adapter a PEFT LoRA adapter directory applied to the model, or null
 * @param batchSize at most this many sequences per forward pass
 * @param maxTokensPerBatch at most this many padded tokens (B x T) per forward pass; the logits of
 *     a pass take about 8 x this x vocab_size bytes (float32 logits plus their log-softmax)
 * @param tokenization how records without token ids are tokenized (truncation, template variables)
 */
public record ScoreSettings(Path model, Path adapter, String input, Path out, ShardFormat format, boolean perToken, boolean asRef,
        int batchSize, int maxTokensPerBatch, DeviceSpec device, ComputeDtype dtype, SliceSpec slice, boolean force,
        TokenizationOptions tokenization) {

    /** Default --batch-size. */
    public static final int DEFAULT_BATCH_SIZE = 16;
    /** Default --max-tokens-per-batch: 4096 tokens of a 32k vocabulary is about 1 GiB of logits. */
    public static final int DEFAULT_MAX_TOKENS_PER_BATCH = 4096;

    public ScoreSettings {
        if (format == ShardFormat.PARQUET) {
            throw new UsageException("--format parquet: prefloop reads Parquet but writes arrow, jsonl or jsonl.gz");
        }
        if (batchSize < 1) {
            throw new UsageException("--batch-size " + batchSize + ": expected 1 or more");
        }
        if (maxTokensPerBatch < 1) {
            throw new UsageException("--max-tokens-per-batch " + maxTokensPerBatch + ": expected 1 or more");
        }
    }

    /** The options that decide the output, as recorded in the manifest. */
    public Map<String, Object> manifestOptions() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", format.extension().substring(1));
        m.put("per_token", perToken);
        m.put("as_ref", asRef);
        m.put("device", device.toString());
        m.put("dtype", dtype.toString());
        m.putAll(tokenization.manifestOptions());
        // batching changes float rounding (padding length), not which values are computed: recorded, not compared
        return m;
    }
}

package dev.prefloop.core.convert;

import dev.prefloop.core.data.ShardFormat;
import dev.prefloop.core.data.SliceSpec;
import dev.prefloop.core.error.UsageException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ConvertSettings is everything {@code prefloop convert} needs: the dataset to read, the output
 * directory ("-" for JSON Lines on standard output) and its format, record checks and slicing.
 */
public record ConvertSettings(String input, String out, ShardFormat format, KindRule kind, SliceSpec slice,
        long recordsPerShard, boolean force) {

    public ConvertSettings {
        if (format == ShardFormat.PARQUET) {
            throw new UsageException("--format parquet: prefloop reads Parquet but writes arrow, jsonl or jsonl.gz");
        }
        if (recordsPerShard < 0) {
            throw new UsageException("--records-per-shard " + recordsPerShard + ": expected 0 (no limit) or more");
        }
        if (out.equals("-") && format == ShardFormat.ARROW) {
            throw new UsageException("--out -: standard output takes JSON Lines; pass --format jsonl");
        }
    }

    /** Whether the output goes to standard output. */
    public boolean toStdout() {
        return out.equals("-");
    }

    /** The options that decide the output, as recorded in the manifest. */
    public Map<String, Object> manifestOptions() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", format.extension().substring(1));
        m.put("kind", kind.toString());
        m.put("records_per_shard", recordsPerShard);
        return m;
    }
}

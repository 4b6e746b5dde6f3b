package dev.prefloop.core.label;

import dev.prefloop.core.data.ShardFormat;
import dev.prefloop.core.data.SliceSpec;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.core.judge.JudgeOptions;
import dev.prefloop.core.judge.JudgeSpec;

/**
 * LabelSettings is everything {@code prefloop label} needs.
 *
 * @param input      the candidates dataset
 * @param out        the output directory of preference shards
 * @param format     the output format (arrow, jsonl, jsonl.gz)
 * @param judge      the {@code --judge} spec
 * @param judgeOptions the {@code --judge-*} options
 * @param pairing    which pairs a record with more than two completions gives
 * @param mode       argmax or bt-sample
 * @param tieMargin  |p - 0.5| at or below this is a tie, and the pair is skipped (argmax: 0 skips only p = 0.5)
 * @param bothOrders ask pairwise judges both orders and average (off: {@code --single-order})
 * @param seed       the run's seed (random pairing, bt-sample)
 * @param batchSize  records per judge batch
 * @param slice      {@code --shard}
 * @param force      redo or replace earlier output
 * @param resume     reuse the journal of an interrupted run
 */
public record LabelSettings(String input, String out, ShardFormat format, JudgeSpec judge, JudgeOptions judgeOptions,
        Pairing pairing, LabelMode mode, double tieMargin, boolean bothOrders, long seed, int batchSize,
        SliceSpec slice, boolean force, boolean resume) {

    public LabelSettings {
        if (format == ShardFormat.PARQUET) {
            throw new UsageException("--format parquet: prefloop reads Parquet but writes arrow, jsonl or jsonl.gz");
        }
        if (!(tieMargin >= 0 && tieMargin < 0.5)) {
            throw new UsageException("--tie-margin " + tieMargin + ": expected a number in [0, 0.5)");
        }
        if (batchSize < 1) {
            throw new UsageException("--batch-size " + batchSize + ": expected 1 or more");
        }
        if (out.equals("-")) {
            throw new UsageException("--out -: label writes a directory of shards with a manifest; name a directory");
        }
    }
}

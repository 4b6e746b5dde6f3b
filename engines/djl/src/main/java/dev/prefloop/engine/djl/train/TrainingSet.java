package dev.prefloop.engine.djl.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.DatasetReader;
import dev.prefloop.core.data.Shard;
import dev.prefloop.core.data.SliceSpec;
import dev.prefloop.core.error.DataException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * TrainingSet reads a whole dataset into token ids (training shuffles across it every epoch), truncating
 * each record as TRL does and counting the records it must leave out; malformed records stop the run.
 */
public final class TrainingSet {

    private TrainingSet() {}

    /** The usable preference pairs of {@code shards}; a DataException when none is left. */
    public static List<TokenizedPair> pairs(List<Shard> shards, TrainingRecordSource tokenizer, Truncation truncation,
            SkippedRecords skipped) {
        List<TokenizedPair> pairs = new ArrayList<>();
        try (DatasetReader reader = new DatasetReader(shards, SliceSpec.ALL)) {
            while (reader.hasNext()) {
                ObjectNode r = reader.next();
                String where = reader.location();
                TokenizedPair p = tokenizer.pair(r, where).withSource(PairSource.of(r, where));
                long[] prompt = truncation.prompt(p.prompt());
                Truncation.Skip why = truncation.checkPrompt(prompt);
                long[] chosen = truncation.completion(prompt.length, p.chosen());
                long[] rejected = truncation.completion(prompt.length, p.rejected());
                if (why == null && (chosen.length == 0 || rejected.length == 0)) {
                    why = Truncation.Skip.EMPTY_RESPONSE;
                }
                if (why == null && Arrays.equals(chosen, rejected)) {
                    why = Truncation.Skip.MISMATCHED_PAIR;
                }
                if (why != null) {
                    skipped.skip(why, where);
                    continue;
                }
                boolean cut = chosen.length != p.chosen().length || rejected.length != p.rejected().length
                        || prompt.length != p.prompt().length;
                // Reference logps of the untruncated texts no longer describe what is trained on.
                pairs.add(cut ? new TokenizedPair(prompt, chosen, rejected, Double.NaN, Double.NaN, p.source())
                        : p);
            }
        }
        return requireSome(pairs, shards, skipped);
    }

    /** The usable SFT records of {@code shards}; a DataException when none is left. */
    public static List<TokenizedCompletion> completions(List<Shard> shards, TrainingRecordSource tokenizer,
            Truncation truncation, SkippedRecords skipped) {
        List<TokenizedCompletion> out = new ArrayList<>();
        try (DatasetReader reader = new DatasetReader(shards, SliceSpec.ALL)) {
            while (reader.hasNext()) {
                ObjectNode r = reader.next();
                String where = reader.location();
                TokenizedCompletion c = tokenizer.completion(r, where);
                if (c.prompt().length == 0 && c.completion().length > 0) {
                    // Nothing predicts a sequence's first token: it becomes the prompt and is not scored.
                    int[] mask = c.lossMask() == null ? null
                            : Arrays.copyOfRange(c.lossMask(), 1, c.lossMask().length);
                    c = new TokenizedCompletion(Arrays.copyOf(c.completion(), 1),
                            Arrays.copyOfRange(c.completion(), 1, c.completion().length), mask);
                }
                long[] prompt = truncation.prompt(c.prompt());
                Truncation.Skip why = truncation.checkPrompt(prompt);
                TokenizedCompletion kept = c.withCompletionHead(prompt,
                        truncation.completion(prompt.length, c.completion()).length);
                if (why == null && kept.scoredTokens() == 0) {
                    why = Truncation.Skip.EMPTY_RESPONSE;
                }
                if (why != null) {
                    skipped.skip(why, where);
                    continue;
                }
                out.add(kept);
            }
        }
        return requireSome(out, shards, skipped);
    }

    private static <T> List<T> requireSome(List<T> records, List<Shard> shards, SkippedRecords skipped) {
        if (records.isEmpty()) {
            String names = shards.isEmpty() ? "(no shards)" : shards.get(0).displayName()
                    + (shards.size() > 1 ? " and " + (shards.size() - 1) + " more shard(s)" : "");
            throw new DataException(names + ": no usable records"
                    + (skipped.total() > 0 ? " (skipped: " + skipped.byReason() + ")" : " (the dataset is empty)"));
        }
        return records;
    }
}

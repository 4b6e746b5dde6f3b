package dev.prefloop.engine.djl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.prefloop.engine.djl.model.LlamaModel;
import dev.prefloop.engine.djl.model.PaddedBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * SftObjective: the negative log-likelihood of the completion tokens (prompt and padding masked; of a
 * conversation, its assistant tokens only), a token mean over the whole optimizer step as TRL's SFTTrainer takes
 * it with completion_only_loss and assistant_only_loss.
 */
public final class SftObjective implements TrainingObjective {

    private final List<TokenizedCompletion> records;
    private final long padId;

    /** SFT on these records; pad columns hold {@code padId}. */
    public SftObjective(List<TokenizedCompletion> records, long padId) {
        this.records = records;
        this.padId = padId;
    }

    @Override
    public int size() {
        return records.size();
    }

    @Override
    public int longestRow(int example) {
        return records.get(example).length();
    }

    @Override
    public int rowsPerExample() {
        return 1;
    }

    @Override
    public double normaliser(int[] stepExamples) {
        long tokens = 0;
        for (int e : stepExamples) {
            tokens += records.get(e).scoredTokens();
        }
        return tokens;
    }

    @Override
    public Micro compute(LlamaModel model, int[] examples, NDManager manager) {
        List<long[]> prompts = new ArrayList<>();
        List<long[]> completions = new ArrayList<>();
        long tokens = 0;
        for (int e : examples) {
            prompts.add(records.get(e).prompt());
            completions.add(records.get(e).completion());
            tokens += records.get(e).length();
        }
        PaddedBatch rows = PaddedBatch.leftPadded(manager, prompts, completions, padId);
        return new Micro(model.responseLogps(rows.inputIds(), rows.attentionMask(), lossMask(rows, examples, manager))
                .sum().neg(), Map.of(), tokens);
    }

    /** The batch's response mask (B, T), narrowed to the scored tokens of records that carry a loss mask. */
    private NDArray lossMask(PaddedBatch rows, int[] examples, NDManager manager) {
        if (Arrays.stream(examples).allMatch(e -> records.get(e).lossMask() == null)) {
            return rows.responseMask();
        }
        int t = Math.toIntExact(rows.inputIds().getShape().get(1));
        long[][] mask = new long[examples.length][t];
        for (int r = 0; r < examples.length; r++) {
            TokenizedCompletion rec = records.get(examples[r]);
            int first = t - rec.completion().length; // left padding: the completion ends the row
            for (int k = 0; k < rec.completion().length; k++) {
                mask[r][first + k] = rec.scored(k) ? 1 : 0;
            }
        }
        return manager.create(mask);
    }
}

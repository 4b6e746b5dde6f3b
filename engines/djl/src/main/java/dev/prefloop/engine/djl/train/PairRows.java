package dev.prefloop.engine.djl.train;

import ai.djl.ndarray.NDManager;
import dev.prefloop.engine.djl.model.PaddedBatch;
import java.util.ArrayList;
import java.util.List;

/**
 * PairRows lays N pairs out as one left-padded batch of 2N rows, chosen rows first, so that chosen and
 * rejected go through the model in one concatenated forward pass (DPOTrainer's concatenated_forward).
 */
final class PairRows {

    private PairRows() {}

    /** Rows 0..N-1 prompt + chosen, rows N..2N-1 prompt + rejected. */
    static PaddedBatch of(NDManager manager, List<TokenizedPair> pairs, int[] examples, long padId) {
        List<long[]> prompts = new ArrayList<>();
        List<long[]> responses = new ArrayList<>();
        for (int e : examples) {
            prompts.add(pairs.get(e).prompt());
            responses.add(pairs.get(e).chosen());
        }
        for (int e : examples) {
            prompts.add(pairs.get(e).prompt());
            responses.add(pairs.get(e).rejected());
        }
        return PaddedBatch.leftPadded(manager, prompts, responses, padId);
    }

    /** Real tokens of the 2N rows. */
    static long tokens(List<TokenizedPair> pairs, int[] examples) {
        long n = 0;
        for (int e : examples) {
            TokenizedPair p = pairs.get(e);
            n += 2L * p.prompt().length + p.chosen().length + p.rejected().length;
        }
        return n;
    }
}

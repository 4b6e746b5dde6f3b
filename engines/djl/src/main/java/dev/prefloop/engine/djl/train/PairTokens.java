package dev.prefloop.engine.djl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.prefloop.engine.djl.loss.LdWeighting;
import dev.prefloop.engine.djl.model.PaddedBatch;
import dev.prefloop.engine.djl.model.ResponseLogps;

/**
 * PairTokens: a micro-batch's completion log-probabilities per token and summed, chosen and rejected, whichever
 * layout made them; per-token values feed LD-DPO's weighted sums.
 *
 * @param chosen (N) plain sums
 * @param rejected (N)
 * @param chosenTokens (N, Lc) per-token log p, 0 off the completion
 * @param rejectedTokens (N, Lr)
 * @param chosenMask (N, Lc) float32, 1 on completion tokens
 * @param rejectedMask (N, Lr)
 */
record PairTokens(NDArray chosen, NDArray rejected, NDArray chosenTokens, NDArray rejectedTokens, NDArray chosenMask,
        NDArray rejectedMask) {

    /** From logits (2N, T, V) of the concatenated rows (chosen rows first). */
    static PairTokens ofRows(NDArray logits, PaddedBatch rows, int n) {
        NDArray perToken = ResponseLogps.masked(ResponseLogps.perToken(logits, rows.inputIds()), rows.responseMask());
        NDArray marks = rows.responseMask().get(new NDIndex(":, 1:")).toType(DataType.FLOAT32, false); // (2N, T-1)
        NDArray sums = perToken.sum(new int[] {1}); // (2N)
        NDIndex first = new NDIndex("0:{}", n);
        NDIndex second = new NDIndex("{}:", n);
        return new PairTokens(sums.get(first), sums.get(second), perToken.get(first), perToken.get(second),
                marks.get(first), marks.get(second));
    }

    /** LD-DPO's weighted sums {chosen, rejected} over the pair's shared length. */
    NDArray[] ldSums(LdWeighting ld) {
        NDArray shared = LdWeighting.sharedLengths(chosenMask, rejectedMask); // (N)
        return new NDArray[] {ld.sums(chosenTokens, chosenMask, shared), ld.sums(rejectedTokens, rejectedMask, shared)};
    }
}

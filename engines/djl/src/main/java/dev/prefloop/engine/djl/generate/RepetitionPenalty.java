package dev.prefloop.engine.djl.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * RepetitionPenalty is transformers' RepetitionPenaltyLogitsProcessor (CTRL, Keskar et al. 2019):
 * a score s of a token already in the row's prompt or output becomes s / penalty when s > 0 and
 * s * penalty otherwise. Unlike transformers, pad columns of a left-padded prompt do not count as
 * seen: a row's result must not depend on how much padding its batch gave it.
 */
public final class RepetitionPenalty implements LogitsProcessor {

    private final float penalty;

    /** penalty > 0; 1 changes nothing, above 1 discourages repeats. */
    public RepetitionPenalty(double penalty) {
        if (!(penalty > 0)) {
            throw new IllegalArgumentException("repetition_penalty must be > 0, got " + penalty);
        }
        this.penalty = (float) penalty;
    }

    @Override
    public NDArray process(NDArray scores, NDArray seen) {
        NDManager m = scores.getManager();
        NDArray p = m.full(new Shape(), penalty);
        NDArray negative = scores.lt(m.zeros(new Shape()));
        NDArray penalized = NDArrays.where(negative, scores.mul(p), scores.div(p)); // (B, V)
        return NDArrays.where(seen, penalized, scores);
    }

    @Override
    public boolean needsSeenTokens() {
        return true;
    }
}

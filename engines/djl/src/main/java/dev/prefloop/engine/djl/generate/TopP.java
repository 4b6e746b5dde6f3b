package dev.prefloop.engine.djl.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.Shape;

/**
 * TopP is transformers' TopPLogitsWarper (nucleus sampling, Holtzman et al. 2019): sorted
 * ascending, the tokens whose cumulative probability is at most 1 - top_p are removed, so the
 * smallest set of top tokens holding at least top_p of the mass stays (always at least one).
 *
 * <p>Done with a threshold instead of transformers' scatter back through the sort permutation: the
 * n kept tokens are those scoring at least the n-th highest score ({@link NucleusThreshold}, which
 * reads it off a few candidates when they hold it and sorts the row otherwise). The two differ only
 * on exact ties at the threshold, where torch's unstable sort is arbitrary anyway.
 */
public final class TopP implements LogitsProcessor {

    private final NucleusThreshold threshold;

    /** 0 < topP < 1 (1 keeps everything and is left out of the pipeline). */
    public TopP(double topP) {
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        this.threshold = new NucleusThreshold((float) topP);
    }

    @Override
    public NDArray process(NDArray scores, NDArray seen) {
        return keepFrom(scores, threshold.of(scores));
    }

    /** scores (B, V) with those below the row's threshold (B, 1) set to -inf. */
    static NDArray keepFrom(NDArray scores, NDArray theta) {
        NDArray minusInf = scores.getManager().full(new Shape(), Float.NEGATIVE_INFINITY);
        return NDArrays.where(scores.gte(theta), scores, minusInf);
    }
}

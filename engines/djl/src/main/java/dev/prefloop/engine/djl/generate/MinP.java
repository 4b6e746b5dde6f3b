package dev.prefloop.engine.djl.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * MinP is transformers' MinPLogitsWarper (Nguyen et al. 2024): tokens whose probability is below
 * min_p times the row's top probability are removed. The top token always stays (its probability
 * is never below min_p times itself), which is transformers' min_tokens_to_keep = 1.
 */
public final class MinP implements LogitsProcessor {

    private final float minP;

    /** 0 < minP <= 1. */
    public MinP(double minP) {
        if (!(minP > 0 && minP <= 1)) {
            throw new IllegalArgumentException("min_p must be in (0, 1], got " + minP);
        }
        this.minP = (float) minP;
    }

    @Override
    public NDArray process(NDArray scores, NDArray seen) {
        NDManager m = scores.getManager();
        NDArray probs = scores.softmax(1); // (B, V)
        NDArray floor = probs.max(new int[] {1}, true).mul(m.full(new Shape(), minP)); // (B, 1)
        return NDArrays.where(probs.gte(floor), scores, m.full(new Shape(), Float.NEGATIVE_INFINITY));
    }
}

package dev.prefloop.engine.djl.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * TopK is transformers' TopKLogitsWarper: keeps the k highest scores of each row (and every score
 * tied with the k-th), sets the rest to -inf.
 */
public final class TopK implements LogitsProcessor {

    private final int k;

    /** k >= 1 tokens kept per row. */
    public TopK(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("top_k must be >= 1 here, got " + k);
        }
        this.k = k;
    }

    @Override
    public NDArray process(NDArray scores, NDArray seen) {
        long v = scores.getShape().get(1);
        if (k >= v) {
            return scores;
        }
        NDArray kth = scores.topK(k, 1, true, true).get(0).get(new NDIndex().addAllDim().addSliceDim(k - 1, k)); // (B, 1)
        NDArray minusInf = scores.getManager().full(new Shape(), Float.NEGATIVE_INFINITY);
        return NDArrays.where(scores.gte(kth), scores, minusInf);
    }
}

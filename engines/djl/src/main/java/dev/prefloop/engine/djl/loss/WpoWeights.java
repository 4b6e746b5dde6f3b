package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/**
 * exp(abar), abar = (1/n) sum_t [log p_t(y_t) - log sum_v p_t(v)^2]: one completion's WPO factor (Zhou et al. 2024,
 * TRL {@code use_weighting}); a pair's omega is the product of its two factors, a constant, not clamped.
 */
public final class WpoWeights {

    private WpoWeights() {}

    /**
     * The factor per sequence, shape (B), from logits (B, T, V) at the positions that predict labels (B, T, int64),
     * over the completion tokens mask (B, T) marks (n clamped to >= 1). Computed without gradient.
     */
    public static NDArray sequenceFactors(NDArray logits, NDArray labels, NDArray mask) {
        NDArray logProbs = logits.stopGradient().logSoftmax(-1);
        NDArray target = logProbs.gather(labels.expandDims(-1), -1).squeeze(-1);
        // log sum_v p_v^2 = LSE(2 log p), by LSE(z) = z_0 - logSoftmax(z)_0: no exp of raw logits.
        NDArray doubled = logProbs.mul(NativeConstants.scalar(logProbs, 2.0));
        NDIndex first = new NDIndex("..., 0");
        NDArray logSumSquares = doubled.get(first).sub(doubled.logSoftmax(-1).get(first));
        NDArray m = mask.stopGradient().toType(logProbs.getDataType(), false);
        NDArray count = m.sum(new int[] {1}).maximum(NativeConstants.scalar(m, 1.0));
        return target.sub(logSumSquares).mul(m).sum(new int[] {1}).div(count).exp();
    }
}

package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;
import dev.prefloop.core.error.UsageException;

/**
 * S = sum_{t <= l_s} log p_t + ld_alpha sum_{t > l_s} log p_t, l_s = min(n_c, n_r): LD-DPO's length-desensitised sums
 * (TRL {@code ld_alpha}), applied alike to policy and reference.
 */
public final class LdWeighting {

    private final double ldAlpha;

    /** ld_alpha in [0, 1] (TRL documents the range without checking it). */
    public LdWeighting(double ldAlpha) {
        if (!(ldAlpha >= 0 && ldAlpha <= 1)) {
            throw new UsageException("ld_alpha must be in [0, 1], got " + ldAlpha);
        }
        this.ldAlpha = ldAlpha;
    }

    /** l_s per pair, shape (B), from the completion masks (B, T) of both sides. */
    public static NDArray sharedLengths(NDArray chosenMask, NDArray rejectedMask) {
        return chosenMask.sum(new int[] {1}).minimum(rejectedMask.sum(new int[] {1}));
    }

    /**
     * The weighted sums, shape (B), of per-token logps (B, T) whose completion tokens mask (B, T, 1 or 0, the logps'
     * dtype) marks; sharedLengths (B) from {@link #sharedLengths}. Gradient flows to tokenLogps only.
     */
    public NDArray sums(NDArray tokenLogps, NDArray mask, NDArray sharedLengths) {
        NDArray m = mask.stopGradient();
        // The rank of each completion token among its sequence's completion tokens (1-based; prompt and padding 0 weight).
        NDArray rank = m.cumSum(1);
        NDArray inside = rank.lte(sharedLengths.stopGradient().expandDims(1)).toType(m.getDataType(), false);
        NDArray alpha = NativeConstants.scalar(m, ldAlpha);
        NDArray weight = inside.mul(NativeConstants.scalar(m, 1 - ldAlpha)).add(alpha).mul(m);
        return tokenLogps.mul(weight).sum(new int[] {1});
    }
}

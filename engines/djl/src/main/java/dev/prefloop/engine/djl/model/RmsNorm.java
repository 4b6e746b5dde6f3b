package dev.prefloop.engine.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * RmsNorm is x * rsqrt(mean(x^2, last) + eps) computed in float32, cast back to x's dtype, then
 * times weight (C) — transformers' LlamaRMSNorm, not Gemma's (1 + weight).
 */
public final class RmsNorm {

    private final NDArray weight; // (C)
    private final NDArray eps; // 0-d float32, native: Number overloads are unsafe under autograd
    private final NDArray minusHalf; // 0-d float32

    /** A norm over {@code weight}; {@code eps} and -0.5 are native scalars owned by the model. */
    public RmsNorm(NDArray weight, NDArray eps, NDArray minusHalf) {
        this.weight = weight;
        this.eps = eps;
        this.minusHalf = minusHalf;
    }

    /** (..., C) -> (..., C) */
    public NDArray forward(NDArray x) {
        DataType dtype = x.getDataType();
        NDArray h = DtypeCast.to(x, DataType.FLOAT32);
        NDArray variance = h.square().mean(new int[] {-1}, true); // (..., 1)
        NDArray normed = h.mul(variance.add(eps).pow(minusHalf));
        if (dtype != DataType.FLOAT32) {
            normed = DtypeCast.to(normed, dtype);
        }
        return normed.mul(weight);
    }
}

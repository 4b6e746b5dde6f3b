package dev.prefloop.engine.djl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.Map;

/**
 * GradientClipping: the global L2 norm of all gradients and torch's clip_grad_norm_ (scale every gradient by
 * max_norm / (norm + 1e-6) when that is below 1), plus zeroing between steps, since gradients accumulate.
 */
public final class GradientClipping {

    private GradientClipping() {}

    /** sqrt(sum over tensors of sum g^2): the norm before clipping, which transformers logs as grad_norm. */
    public static double globalNorm(Map<String, NDArray> params) {
        double total = 0;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            for (NDArray p : params.values()) {
                NDArray g = p.getGradient();
                total += g.mul(g).sum().getFloat();
            }
        }
        return Math.sqrt(total);
    }

    /**
     * Scales the gradients so their global norm is at most {@code maxNorm} (0 or less: no clipping) and returns
     * the norm before clipping. A non-finite norm leaves the gradients as they are.
     */
    public static double clip(Map<String, NDArray> params, double maxNorm) {
        double norm = globalNorm(params);
        double coef = maxNorm / (norm + 1e-6);
        if (maxNorm > 0 && Double.isFinite(norm) && coef < 1) {
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                for (NDArray p : params.values()) {
                    NDArray g = p.getGradient();
                    g.muli(g.getManager().full(new Shape(), (float) coef));
                }
            }
        }
        return norm;
    }

    /** Sets every gradient to 0 in place (NaN included, which multiplying by 0 would keep). */
    public static void zero(Map<String, NDArray> params) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray zero = null; // one native 0-d zero for all: a Java 0f builds and frees a scalar per tensor
            for (NDArray p : params.values()) {
                NDArray g = p.getGradient();
                if (zero == null) {
                    zero = g.getManager().zeros(new Shape(), g.getDataType());
                }
                g.set(new NDIndex("..."), zero);
            }
        }
    }
}

package dev.prefloop.engine.djl.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;

/**
 * LinearMixing is sum_i w_i h_i over the models' raw logits h_i. PILAF's two interpolated
 * generators (algorithms.md section 1) are the two-model cases with h_theta first and h_ref second:
 * pi+ = softmax((1 + beta) h_theta - beta h_ref) and pi- = softmax((1 - beta) h_theta + beta h_ref).
 * The normalising constants are dropped, as the paper does; mixing logits equals mixing
 * log-probabilities up to a per-row constant only because both models share one vocabulary.
 */
public final class LinearMixing implements LogitsMixing {

    private final double[] weights;

    /** Weights w_i, one per model. */
    public LinearMixing(double... weights) {
        if (weights.length == 0) {
            throw new IllegalArgumentException("at least one weight");
        }
        this.weights = weights.clone();
    }

    /** One model, its logits unchanged. */
    public static LinearMixing single() {
        return new LinearMixing(1);
    }

    /** PILAF's optimistic generator pi+: (1 + beta) h_theta - beta h_ref. */
    public static LinearMixing pilafOptimistic(double beta) {
        return new LinearMixing(1 + beta, -beta);
    }

    /** PILAF's conservative generator pi-: (1 - beta) h_theta + beta h_ref. */
    public static LinearMixing pilafConservative(double beta) {
        return new LinearMixing(1 - beta, beta);
    }

    /** The weights, in model order. */
    public double[] weights() {
        return weights.clone();
    }

    @Override
    public int models() {
        return weights.length;
    }

    @Override
    public NDArray mix(List<NDArray> logits) {
        if (logits.size() != weights.length) {
            throw new IllegalArgumentException(logits.size() + " logits for " + weights.length + " weights");
        }
        if (weights.length == 1 && weights[0] == 1) {
            return logits.get(0);
        }
        NDArray out = null;
        for (int i = 0; i < weights.length; i++) {
            NDArray h = logits.get(i);
            NDArray term = h.mul(h.getManager().full(new Shape(), (float) weights[i]));
            out = out == null ? term : out.addi(term);
        }
        return out;
    }

    @Override
    public String toString() {
        return "LinearMixing" + Arrays.toString(weights);
    }
}

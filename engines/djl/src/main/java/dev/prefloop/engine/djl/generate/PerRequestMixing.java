package dev.prefloop.engine.djl.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * PerRequestMixing is {@link LinearMixing} with weights of its own for every request of one
 * generate call, so that differently mixed generators share one lockstep batch: PILAF's pi+ and
 * pi- rows (and, with weights (1, 0), plain policy rows that also need the reference's
 * log-probabilities) then cost one pass of each model per step instead of one per generator.
 * Row r's scores are sum_i w[r][i] h_i, the same float operations as LinearMixing's.
 */
public final class PerRequestMixing implements LogitsMixing {

    private final float[][] weights; // [request][model]

    /** weights.get(q) are request q's weights, one per model. */
    public PerRequestMixing(List<double[]> weights) {
        if (weights.isEmpty()) {
            throw new IllegalArgumentException("no requests");
        }
        int models = weights.get(0).length;
        this.weights = new float[weights.size()][];
        for (int q = 0; q < this.weights.length; q++) {
            double[] w = weights.get(q);
            if (w.length != models) {
                throw new IllegalArgumentException("request " + q + " has " + w.length + " weights, request 0 " + models);
            }
            this.weights[q] = new float[models];
            for (int i = 0; i < models; i++) {
                this.weights[q][i] = (float) w[i];
            }
        }
    }

    @Override
    public int models() {
        return weights[0].length;
    }

    @Override
    public NDArray mix(List<NDArray> logits) {
        throw new IllegalStateException("per-request weights need the batch's request indices: call mix(logits, requests)");
    }

    @Override
    public NDArray mix(List<NDArray> logits, long[] requests) {
        if (logits.size() != models()) {
            throw new IllegalArgumentException(logits.size() + " logits for " + models() + " weights");
        }
        int b = requests.length;
        NDArray out = null;
        for (int i = 0; i < logits.size(); i++) {
            float[] column = new float[b];
            for (int r = 0; r < b; r++) {
                column[r] = weights[(int) requests[r]][i];
            }
            NDArray h = logits.get(i); // (B, V)
            NDArray term = h.mul(h.getManager().create(column, new Shape(b, 1))); // (B, V) * (B, 1)
            out = out == null ? term : out.addi(term);
        }
        return out;
    }
}

package dev.prefloop.engine.djl.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * PlainAdamW is torch.optim.AdamW's update with weight decay 0 (Loshchilov and Hutter 2019), just
 * enough for the benchmark's DPO step; the training code's optimizer replaces it there. Call it
 * outside the GradientCollector: it updates parameters in place and zeroes their gradients.
 */
final class PlainAdamW {

    private final List<NDArray> params = new ArrayList<>();
    private final List<NDArray> first = new ArrayList<>(); // m, per parameter
    private final List<NDArray> second = new ArrayList<>(); // v, per parameter
    private final double lr;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private int step;

    PlainAdamW(Map<String, NDArray> parameters, NDManager state, double lr, double beta1, double beta2, double eps) {
        for (NDArray p : parameters.values()) {
            params.add(p);
            NDArray m = state.zeros(p.getShape(), p.getDataType());
            NDArray v = state.zeros(p.getShape(), p.getDataType());
            NDScope.unregister(m, v);
            first.add(m);
            second.add(v);
        }
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
    }

    /** One update from the accumulated gradients, which are then zeroed; run it inside an NDScope. */
    void step() {
        step++;
        float c1 = (float) (1 - Math.pow(beta1, step));
        float c2 = (float) (1 - Math.pow(beta2, step));
        for (int i = 0; i < params.size(); i++) {
            NDArray p = params.get(i);
            try (NDArray g = p.getGradient()) { // a new wrapper each call: close it
                first.get(i).muli((float) beta1).addi(g.mul((float) (1 - beta1)));
                second.get(i).muli((float) beta2).addi(g.square().mul((float) (1 - beta2)));
                NDArray denom = second.get(i).div(c2).sqrt().add((float) eps);
                p.subi(first.get(i).div(c1).div(denom).mul((float) lr));
                g.set(new NDIndex("..."), 0f);
            }
        }
    }
}

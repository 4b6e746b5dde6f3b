package dev.prefloop.engine.djl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.engine.djl.weights.HostTensor;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AdamW (Loshchilov and Hutter 2019) as torch.optim.AdamW computes it, with float32 moments:
 * p &lt;- p (1 - lr wd) for decayed tensors; m &lt;- b1 m + (1 - b1) g; v &lt;- b2 v + (1 - b2) g^2;
 * p &lt;- p - (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps).
 *
 * <p>Weight decay by tensor rank, as nanoGPT's configure_optimizers: matrices (embeddings and every
 * projection) decay; vectors (RMSNorm weights, biases) do not. The moments live on the optimizer's
 * own manager; every temporary of a step is freed by the step's {@link NDScope}.
 */
public final class AdamW implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdamW.class);

    private final Map<String, NDArray> params;
    private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
    private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
    private final List<String> decayed = new ArrayList<>();
    private final List<String> notDecayed = new ArrayList<>();
    private final NDManager manager;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private long steps;

    /** An optimizer over {@code params} (float32 leaves that require gradient) with zero moments. */
    public AdamW(Map<String, NDArray> params, double beta1, double beta2, double eps, double weightDecay) {
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        NDArray any = params.values().iterator().next();
        this.manager = any.getManager().newSubManager();
        long decayedCount = 0;
        long otherCount = 0;
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray p = e.getValue();
            if (p.getDataType() != DataType.FLOAT32) {
                throw new ModelException("AdamW keeps float32 weights; " + e.getKey() + " is " + p.getDataType());
            }
            NDArray m = manager.zeros(p.getShape(), DataType.FLOAT32);
            NDArray v = manager.zeros(p.getShape(), DataType.FLOAT32);
            NDScope.unregister(m, v); // they outlive any caller's step scope
            expAvg.put(e.getKey(), m);
            expAvgSq.put(e.getKey(), v);
            if (p.getShape().dimension() >= 2) {
                decayed.add(e.getKey());
                decayedCount += p.size();
            } else {
                notDecayed.add(e.getKey());
                otherCount += p.size();
            }
        }
        LOG.info(String.format(Locale.ROOT, "AdamW: %d decayed parameter tensors (%,d parameters), %d not decayed"
                + " (%,d parameters); betas (%s, %s), eps %s, weight_decay %s", decayed.size(), decayedCount,
                notDecayed.size(), otherCount, beta1, beta2, eps, weightDecay));
    }

    /** The names of the tensors weight decay applies to (rank &gt;= 2). */
    public List<String> decayed() {
        return Collections.unmodifiableList(decayed);
    }

    /** The names of the tensors without weight decay (norm weights, biases). */
    public List<String> notDecayed() {
        return Collections.unmodifiableList(notDecayed);
    }

    /** The number of updates applied so far (torch's per-parameter {@code step}). */
    public long steps() {
        return steps;
    }

    /** Applies one update at rate {@code lr} from the parameters' current gradients (outside any GradientCollector). */
    public void step(double lr) {
        steps++;
        double bias1 = 1 - Math.pow(beta1, steps);
        double bias2Sqrt = Math.sqrt(1 - Math.pow(beta2, steps));
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray b1 = scalar(beta1);
            NDArray oneMinusB1 = scalar(1 - beta1);
            NDArray b2 = scalar(beta2);
            NDArray oneMinusB2 = scalar(1 - beta2);
            NDArray decay = scalar(1 - lr * weightDecay);
            NDArray bias2 = scalar(bias2Sqrt);
            NDArray epsilon = scalar(eps);
            NDArray stepSize = scalar(lr / bias1);
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray p = e.getValue();
                NDArray g = p.getGradient();
                NDArray m = expAvg.get(e.getKey());
                NDArray v = expAvgSq.get(e.getKey());
                // Each temporary is updated in place, in torch's order of operations: 4 arrays per tensor, not 8.
                m.muli(b1).addi(g.mul(oneMinusB1));
                v.muli(b2).addi(g.mul(g).muli(oneMinusB2));
                if (weightDecay != 0 && decayed.contains(e.getKey())) {
                    p.muli(decay);
                }
                NDArray denom = v.sqrt().divi(bias2).addi(epsilon);
                p.subi(m.div(denom).muli(stepSize));
            }
        }
    }

    private NDArray scalar(double v) {
        return manager.full(new Shape(), (float) v);
    }

    /** The names of the parameters it updates, in the order they were given. */
    public List<String> names() {
        return List.copyOf(params.keySet());
    }

    /** torch's betas. */
    public double beta1() {
        return beta1;
    }

    /** torch's betas. */
    public double beta2() {
        return beta2;
    }

    /** The epsilon added to the denominator. */
    public double eps() {
        return eps;
    }

    /** The decoupled weight decay of the decayed tensors. */
    public double weightDecay() {
        return weightDecay;
    }

    /** The shape of parameter {@code name}. */
    public long[] shapeOf(String name) {
        return moment(expAvg, name).getShape().getShape();
    }

    /** The first moment of parameter {@code name} as a float32 host tensor. */
    public HostTensor expAvg(String name) {
        return HostTensor.float32(moment(expAvg, name));
    }

    /** The second moment of parameter {@code name} as a float32 host tensor. */
    public HostTensor expAvgSq(String name) {
        return HostTensor.float32(moment(expAvgSq, name));
    }

    /** Sets the moments of parameter {@code name}, checking dtype and shape; {@code where} names the source in errors. */
    public void restore(String name, HostTensor avg, HostTensor avgSq, String where) {
        copyInto(avg, where + " exp_avg of " + name, moment(expAvg, name));
        copyInto(avgSq, where + " exp_avg_sq of " + name, moment(expAvgSq, name));
    }

    /** Sets the update count (torch's {@code step}) after the moments were restored. */
    public void restoreSteps(long updates) {
        this.steps = updates;
    }

    private static NDArray moment(Map<String, NDArray> moments, String name) {
        NDArray m = moments.get(name);
        if (m == null) {
            throw new IllegalArgumentException("no parameter " + name + " in this optimizer");
        }
        return m;
    }

    private static void copyInto(HostTensor t, String what, NDArray target) {
        if (!"F32".equals(t.dtype()) || !new Shape(t.shape()).equals(target.getShape())) {
            throw new ModelException(what + " is " + t + ", expected F32" + target.getShape());
        }
        target.set(t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer());
    }

    /** Frees the moments. */
    @Override
    public void close() {
        manager.close();
    }
}

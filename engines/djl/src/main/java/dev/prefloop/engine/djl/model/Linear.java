package dev.prefloop.engine.djl.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Linear is y = x W^T + b with W stored as Hugging Face does, (out, in), an optional bias (out), and an optional
 * LoRA adapter adding s B A dropout(x) as PEFT's lora.Linear does: the adapter's input is cast to its float32
 * factors and its output back to y's dtype, so a float16 base trains float32 factors.
 */
public final class Linear {

    private final NDArray weight; // (out, in)
    private final NDArray bias; // (out) or null
    private final LoraAdapter adapter; // null without LoRA
    private final LoraAdapter.Factors lora; // A (r, in), B (out, r), s; null without LoRA

    /** A projection over {@code weight} and {@code bias} (null for none). */
    public Linear(NDArray weight, NDArray bias) {
        this(weight, bias, null, null);
    }

    private Linear(NDArray weight, NDArray bias, LoraAdapter adapter, LoraAdapter.Factors lora) {
        this.weight = weight;
        this.bias = bias;
        this.adapter = adapter;
        this.lora = lora;
    }

    /** The same projection with {@code adapter}'s factors {@code lora} added (the weights are shared, not copied). */
    Linear withLora(LoraAdapter adapter, LoraAdapter.Factors lora) {
        return new Linear(weight, bias, adapter, lora);
    }

    /** (..., in) -> (..., out); the result lives on x's manager. */
    public NDArray forward(NDArray x) {
        NDArray y = weightMajor(x.getShape()) ? weightMajorProduct(x)
                : x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
        if (lora == null) {
            return y;
        }
        NDArray in = DtypeCast.to(x, DataType.FLOAT32);
        float p = (float) adapter.config().loraDropout();
        if (p > 0 && adapter.training()) {
            in = in.getNDArrayInternal().dropout(in, p, true).singletonOrThrow();
        }
        // Scaling the rank-r activations instead of the (..., out) result: the same product, r/out of the work.
        NDArray h = in.getNDArrayInternal().linear(in, lora.a(), null).singletonOrThrow().mul(lora.scaling()); // (..., r)
        NDArray d = h.getNDArrayInternal().linear(h, lora.b(), null).singletonOrThrow(); // (..., r) x (r, out)^T -> (..., out)
        return y.add(DtypeCast.to(d, y.getDataType()));
    }

    /** Up to this many rows (a sub-batch's decoding step, a prefill block's last column) run weight-major. */
    static final int WEIGHT_MAJOR_MAX_ROWS = 4;
    /** ... against a weight of at most this many input features. */
    static final int WEIGHT_MAJOR_MAX_IN = 1024;

    /**
     * Whether x W^T is computed as (W x^T)^T: on the CPU, for 2 to 4 rows against a weight of at most 1,024 input
     * features. With so few rows MKL's linear copies the whole weight into its panel layout before a kernel that
     * then does little with it; with the weight as the first operand it streams it instead. One thread, weights out
     * of cache, 4 rows: 0.52-0.69 of linear's time for the weights measured from (688, 256) to (2048, 1024) and
     * (8192, 512), 0.92 for (4864, 896), 1.02 for (256, 256); with 1,536 or more input features, or from 6 rows
     * on, weight-major mostly loses (up to 1.8x the time; docs/benchmarks.md). One row is a matrix-vector product
     * either way.
     */
    boolean weightMajor(Shape s) {
        long in = weight.getShape().get(1);
        long rows = s.size() / in;
        return rows >= 2 && rows <= WEIGHT_MAJOR_MAX_ROWS && in <= WEIGHT_MAJOR_MAX_IN
                && weight.getDevice().getDeviceType().equals(Device.Type.CPU);
    }

    /** (..., in) -> (..., out) as (W x^T)^T, made contiguous: its readers (softmax over the vocabulary) scan rows. */
    private NDArray weightMajorProduct(NDArray x) {
        Shape s = x.getShape();
        long in = weight.getShape().get(1);
        long out = weight.getShape().get(0);
        NDArray rows = s.dimension() == 2 ? x : x.reshape(-1, in); // (N, in)
        NDArray columns = weight.matMul(rows.transpose()); // (out, in) x (in, N) -> (out, N)
        columns.attach(x.getManager()); // an op's result lands on its first operand's manager: here the model's
        long[] dims = s.getShape().clone();
        dims[dims.length - 1] = out;
        NDArray y = columns.transpose().reshape(-1).reshape(new Shape(dims)); // (..., out), one copy
        return bias == null ? y : y.add(bias);
    }
}

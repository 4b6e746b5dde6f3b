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

    /** Few rows against a weight at least this many times wider than deep run weight-major. */
    static final int WEIGHT_MAJOR_WIDTH = 8;
    /** Up to this many rows (a decoding batch, a prefill's last column). */
    static final int WEIGHT_MAJOR_MAX_ROWS = 64;

    /**
     * Whether x W^T is computed as (W x^T)^T: on CPU, for 2 to 64 rows against a wide weight (an LM head while
     * decoding), MKL's kernel with the weight as the long first operand streams it 1.4-1.7x faster than linear's
     * (8 rows of an (8192, 512) head, weights out of cache: 2.9 ms vs 4.3-5.0 ms; docs/benchmarks.md). One row is a
     * matrix-vector product either way, and narrower weights gain nothing or lose.
     */
    boolean weightMajor(Shape s) {
        long in = weight.getShape().get(1);
        long rows = s.size() / in;
        return rows >= 2 && rows <= WEIGHT_MAJOR_MAX_ROWS && weight.getShape().get(0) >= WEIGHT_MAJOR_WIDTH * in
                && weight.getDevice().getDeviceType().equals(Device.Type.CPU);
    }

    /** (..., in) -> (..., out) as (W x^T)^T, made contiguous: its readers (softmax over the vocabulary) scan rows. */
    private NDArray weightMajorProduct(NDArray x) {
        Shape s = x.getShape();
        long in = weight.getShape().get(1);
        long out = weight.getShape().get(0);
        NDArray columns = weight.matMul(x.reshape(-1, in).transpose()); // (out, in) x (in, N) -> (out, N)
        columns.attach(x.getManager()); // an op's result lands on its first operand's manager: here the model's
        long n = columns.getShape().get(1);
        NDArray y = columns.transpose().reshape(-1).reshape(n, out); // (N, out), one copy
        if (bias != null) {
            y = y.add(bias);
        }
        long[] dims = s.getShape().clone();
        dims[dims.length - 1] = out;
        return y.reshape(new Shape(dims));
    }
}

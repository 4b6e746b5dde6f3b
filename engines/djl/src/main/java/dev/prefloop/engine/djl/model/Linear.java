package dev.prefloop.engine.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

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
        NDArray y = x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
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
}

package dev.prefloop.engine.djl.model;

import ai.djl.ndarray.NDArray;

/** Linear is y = x W^T + b with W stored as Hugging Face does, (out, in), and an optional bias (out). */
public final class Linear {

    private final NDArray weight; // (out, in)
    private final NDArray bias; // (out) or null

    /** A projection over {@code weight} and {@code bias} (null for none). */
    public Linear(NDArray weight, NDArray bias) {
        this.weight = weight;
        this.bias = bias;
    }

    /** (..., in) -> (..., out); the result lives on x's manager. */
    public NDArray forward(NDArray x) {
        return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
    }
}

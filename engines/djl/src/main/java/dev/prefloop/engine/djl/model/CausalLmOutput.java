package dev.prefloop.engine.djl.model;

import ai.djl.ndarray.NDArray;

/**
 * CausalLmOutput is one forward pass of a causal LM: next-token logits (B, T, V) in the compute
 * dtype and per-sequence sums (B) float32 of the marked response tokens' log-probabilities.
 */
public record CausalLmOutput(NDArray logits, NDArray responseLogps) {}

package dev.prefloop.engine.djl.weights;

/**
 * TorchStorage is a storage a torch checkpoint's pickle refers to: record {@code data/<key>} of
 * the zip holds {@code numel} elements of {@code dtype} (a safetensors dtype name).
 */
record TorchStorage(String key, String dtype, long numel) {}

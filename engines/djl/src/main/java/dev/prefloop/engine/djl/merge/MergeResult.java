package dev.prefloop.engine.djl.merge;

import java.util.List;

/**
 * MergeResult says what a merge run did, or that the output was already up to date.
 *
 * @param modules adapted modules merged into their weights
 * @param replaced whole tensors taken from the adapter (modules_to_save)
 * @param tensors tensors written in all
 * @param bytes bytes of tensor data written
 * @param dtypes the storage dtypes of the written tensors
 * @param files the weights files written (shards plus index, or model.safetensors)
 */
public record MergeResult(boolean upToDate, String out, int modules, int replaced, int tensors, long bytes,
        List<String> dtypes, List<String> files, double seconds) {}

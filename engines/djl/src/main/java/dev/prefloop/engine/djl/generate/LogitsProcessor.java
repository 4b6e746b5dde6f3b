package dev.prefloop.engine.djl.generate;

import ai.djl.ndarray.NDArray;

/**
 * LogitsProcessor rewrites next-token scores before sampling, as transformers' LogitsProcessor and
 * LogitsWarper classes do; {@link LogitsPipeline} applies them in transformers' order.
 */
public interface LogitsProcessor {

    /**
     * scores (B, V) float32 -> processed scores (B, V) float32; removed tokens get -inf.
     *
     * @param seen (B, V) boolean: the tokens present in each row's prompt or output so far, or null
     *     when no processor asked for it ({@link #needsSeenTokens()})
     */
    NDArray process(NDArray scores, NDArray seen);

    /** Whether {@link #process} reads the seen-token mask. */
    default boolean needsSeenTokens() {
        return false;
    }
}

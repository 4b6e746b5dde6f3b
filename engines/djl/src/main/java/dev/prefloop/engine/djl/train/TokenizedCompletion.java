package dev.prefloop.engine.djl.train;

/**
 * TokenizedCompletion: one SFT record as token ids; the loss reads the completion tokens only.
 *
 * @param prompt prompt ids (may be empty)
 * @param completion completion ids
 */
public record TokenizedCompletion(long[] prompt, long[] completion) {

    /** Prompt plus completion. */
    public int length() {
        return prompt.length + completion.length;
    }
}

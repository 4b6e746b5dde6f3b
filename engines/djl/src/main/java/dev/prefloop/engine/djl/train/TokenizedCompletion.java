package dev.prefloop.engine.djl.train;

import java.util.Arrays;

/**
 * TokenizedCompletion: one SFT record as token ids; the loss reads completion tokens only, and of those only
 * the ones {@code lossMask} marks (a conversation's assistant turns) when there is a mask.
 *
 * @param prompt prompt ids (may be empty)
 * @param completion completion ids
 * @param lossMask 1 where a completion token is scored, 0 where not (its length is the completion's); null: all
 */
public record TokenizedCompletion(long[] prompt, long[] completion, int[] lossMask) {

    public TokenizedCompletion {
        if (lossMask != null && lossMask.length != completion.length) {
            throw new IllegalArgumentException(lossMask.length + " mask values for " + completion.length + " tokens");
        }
    }

    /** A record whose completion tokens are all scored. */
    public TokenizedCompletion(long[] prompt, long[] completion) {
        this(prompt, completion, null);
    }

    /** Prompt plus completion. */
    public int length() {
        return prompt.length + completion.length;
    }

    /** Whether completion token {@code k} is scored. */
    public boolean scored(int k) {
        return lossMask == null || lossMask[k] != 0;
    }

    /** How many completion tokens are scored. */
    public int scoredTokens() {
        return lossMask == null ? completion.length : (int) Arrays.stream(lossMask).filter(v -> v != 0).count();
    }

    /** The first {@code n} completion tokens, with their mask. */
    public TokenizedCompletion withCompletionHead(long[] prompt, int n) {
        return new TokenizedCompletion(prompt, Arrays.copyOf(completion, n),
                lossMask == null ? null : Arrays.copyOf(lossMask, n));
    }
}

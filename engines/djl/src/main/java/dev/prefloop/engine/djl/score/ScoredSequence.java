package dev.prefloop.engine.djl.score;

/**
 * ScoredSequence is one prompt + completion to score and, once scored, its results: the sum of the
 * completion tokens' log-probabilities, optionally each term, or a reward model's scores.
 */
public final class ScoredSequence {

    final long[] prompt;
    final long[] completion;
    float logpSum;
    float[] tokenLogps; // (completion.length), with --per-token
    float[] scores; // (num_labels), reward models

    /** A sequence; the prompt must not be empty (its first token has nothing to be scored from). */
    public ScoredSequence(long[] prompt, long[] completion) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("a scored sequence needs at least one prompt token");
        }
        this.prompt = prompt;
        this.completion = completion;
    }

    /** Prompt plus completion tokens. */
    public int length() {
        return prompt.length + completion.length;
    }

    /** The summed log-probability of the completion (after scoring). */
    public float logpSum() {
        return logpSum;
    }

    /** The completion tokens' log-probabilities, or null without --per-token. */
    public float[] tokenLogps() {
        return tokenLogps;
    }

    /** A reward model's scores (num_labels), or null for a causal LM. */
    public float[] scores() {
        return scores;
    }
}

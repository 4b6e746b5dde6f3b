package dev.prefloop.engine.djl.score;

import java.util.List;

/**
 * ScoreResult says what a score run did: records and sequences scored, real (unpadded) tokens,
 * shards written, the whole run's seconds and the seconds spent in forward passes.
 */
public record ScoreResult(boolean upToDate, long records, long sequences, long tokens, List<String> shards,
        double seconds, double forwardSeconds) {

    /** Real tokens per second of forward passes (model loading and data IO left out). */
    public double tokensPerSecond() {
        return forwardSeconds > 0 ? tokens / forwardSeconds : 0;
    }
}

package dev.prefloop.engine.djl.score;

import java.util.List;
import java.util.Map;

/**
 * ScoreResult says what a score run did: records and sequences scored, real (unpadded) tokens,
 * shards written, the whole run's seconds and the seconds spent in forward passes, and for the
 * records score tokenized itself their token and truncation counts ({@link
 * dev.prefloop.engine.djl.text.TruncationTally}; empty when every record carried its ids).
 */
public record ScoreResult(boolean upToDate, long records, long sequences, long tokens, List<String> shards,
        double seconds, double forwardSeconds, Map<String, Long> tokenized) {

    /** Real tokens per second of forward passes (model loading and data IO left out). */
    public double tokensPerSecond() {
        return forwardSeconds > 0 ? tokens / forwardSeconds : 0;
    }
}

package dev.prefloop.engine.djl.score;

import java.util.List;

/** ScoreResult says what a score run did: records and sequences scored, tokens, throughput, shards written. */
public record ScoreResult(boolean upToDate, long records, long sequences, long tokens, List<String> shards,
        double seconds) {

    /** Real (unpadded) tokens per second of the whole run. */
    public double tokensPerSecond() {
        return seconds > 0 ? tokens / seconds : 0;
    }
}

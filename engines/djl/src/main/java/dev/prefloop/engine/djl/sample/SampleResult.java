package dev.prefloop.engine.djl.sample;

import java.util.List;

/**
 * SampleResult is what one sample run did.
 *
 * @param upToDate true when the output already held this run and nothing was done
 * @param prompts prompts written
 * @param resumed prompts taken from an interrupted run's journal
 * @param responses responses written
 * @param interpolated PILAF prompts that drew the pi+ / pi- pair
 * @param tokens tokens generated in this run (resumed prompts not counted)
 * @param shards output shard names
 * @param seconds wall time
 * @param generateSeconds time spent decoding
 */
public record SampleResult(boolean upToDate, long prompts, long resumed, long responses, long interpolated, long tokens,
        List<String> shards, double seconds, double generateSeconds) {

    /** Generated tokens per second of decoding. */
    public double tokensPerSecond() {
        return generateSeconds > 0 ? tokens / generateSeconds : 0;
    }
}

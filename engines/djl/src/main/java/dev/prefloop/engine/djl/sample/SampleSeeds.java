package dev.prefloop.engine.djl.sample;

import dev.prefloop.engine.djl.generate.SequenceRandom;

/**
 * SampleSeeds derives the randomness of one sampling iteration from (run seed, iteration): the
 * seed the generator's per-sequence streams start from, and PILAF's per-prompt coin. Everything
 * depends only on those and the prompt id, so batches, threads and shards do not change it, and a
 * new iteration draws afresh (Alg. 1 flips the coin at every step).
 */
public final class SampleSeeds {

    /** The coin's stream takes a sample index no response uses. */
    private static final int COIN_INDEX = -1;

    private SampleSeeds() {}

    /** The seed of iteration {@code iteration}'s generation streams. */
    public static long iterationSeed(long seed, long iteration) {
        long z = seed + 0x9E3779B97F4A7C15L * (iteration + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** PILAF's xi ~ Bernoulli(1/2) for a prompt: true = the interpolated pi+ / pi- pair. */
    public static boolean interpolated(long seed, long iteration, String promptId) {
        return SequenceRandom.of(iterationSeed(seed, iteration), promptId, COIN_INDEX).nextDouble() < 0.5;
    }
}

package dev.prefloop.engine.djl.generate;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * SequenceRandom derives the random stream of one sequence from (seed, record id, sample index),
 * so what a sequence samples does not depend on which batch, thread or shard it ran in.
 */
public final class SequenceRandom {

    private SequenceRandom() {}

    /** A fresh stream for the sequence; the same arguments always give the same stream. */
    public static SplittableRandom of(long seed, String recordId, int sampleIndex) {
        long h = mix(seed ^ 0x9E3779B97F4A7C15L);
        for (byte b : recordId.getBytes(StandardCharsets.UTF_8)) {
            h = mix(h ^ (b & 0xFF));
        }
        h = mix(h ^ ((long) recordId.length() << 32) ^ sampleIndex);
        return new SplittableRandom(h);
    }

    /** A uniform draw in (0, 1]: 0 is excluded so an inverse-CDF draw never lands on a zero-mass token. */
    static double uniform(SplittableRandom r) {
        return 1.0 - r.nextDouble();
    }

    /** Stafford's mix13 (the finaliser SplittableRandom itself uses). */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

package dev.prefloop.engine.djl.train;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * SgdpoPilotDraw picks SGDPO's pilot positions: k distinct completion positions of n, uniformly, from a stream
 * seeded by (run seed, step, pair index, side), so a step's draw is the same on every run and after a resume,
 * and differs from step to step and between the chosen and rejected side.
 */
public final class SgdpoPilotDraw {

    /** The chosen side's stream (S_w). */
    public static final int CHOSEN = 0;

    /** The rejected side's stream (S_l), independent of the chosen side's. */
    public static final int REJECTED = 1;

    private SgdpoPilotDraw() {}

    /** k sorted distinct positions in [0, n) for pair {@code example} at optimizer step {@code step}. */
    public static int[] positions(long seed, long step, int example, int side, int n, int k) {
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("cannot draw " + k + " of " + n + " positions");
        }
        SplittableRandom r = new SplittableRandom(mix(mix(mix(seed, step), example), side));
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        // Partial Fisher-Yates: the first k slots are a uniform k-subset.
        for (int i = 0; i < k; i++) {
            int j = i + r.nextInt(n - i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        int[] picked = Arrays.copyOf(all, k);
        Arrays.sort(picked);
        return picked;
    }

    /** SplitMix64's finaliser over a and b: nearby inputs give unrelated seeds. */
    private static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

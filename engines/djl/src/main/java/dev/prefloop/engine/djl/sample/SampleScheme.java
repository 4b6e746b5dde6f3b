package dev.prefloop.engine.djl.sample;

import dev.prefloop.core.error.UsageException;
import java.util.Locale;

/** SampleScheme is how the responses to one prompt are drawn (algorithms.md section 1 and its baselines). */
public enum SampleScheme {
    /** n responses from the policy. */
    VANILLA("vanilla", 2),
    /** Per prompt, a fair coin: two policy responses, or the pi+ / pi- pair from mixed logits. */
    PILAF("pilaf", 2),
    /** n policy responses; the best and the worst by the DPO implicit reward are kept. */
    BEST_OF_N("best-of-n", 8),
    /** One response from the policy, one from the reference. */
    HYBRID("hybrid", 2);

    private final String label;
    private final int defaultN;

    SampleScheme(String label, int defaultN) {
        this.label = label;
        this.defaultN = defaultN;
    }

    /** The name on the command line and in records. */
    public String label() {
        return label;
    }

    /** Responses sampled per prompt when --n is not given. */
    public int defaultN() {
        return defaultN;
    }

    /** Whether the scheme cannot run without a reference model. */
    public boolean needsRef() {
        return this != VANILLA;
    }

    /** Parses a --scheme value. */
    public static SampleScheme parse(String s) {
        for (SampleScheme x : values()) {
            if (x.label.equals(s.trim().toLowerCase(Locale.ROOT))) {
                return x;
            }
        }
        throw new UsageException("--scheme " + s + ": expected vanilla, pilaf, best-of-n or hybrid");
    }

    @Override
    public String toString() {
        return label;
    }
}

package dev.prefloop.core.label;

import dev.prefloop.core.error.UsageException;
import java.util.Locale;

/** LabelMode is {@code --mode}: how a judge's p(a ≻ b) becomes a label. */
public enum LabelMode {
    /** The more probable side is chosen. */
    ARGMAX,
    /** a is chosen with probability p(a ≻ b), drawn from the record's seeded stream (simulated annotators). */
    BT_SAMPLE;

    /** The command-line name. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses argmax | bt-sample. */
    public static LabelMode parse(String s) {
        for (LabelMode m : values()) {
            if (m.label().equals(s.trim().toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new UsageException("--mode " + s + ": expected argmax or bt-sample");
    }
}

package dev.prefloop.core.label;

import dev.prefloop.core.error.UsageException;
import java.util.Locale;

/** Pairing is {@code --pairing}: which pairs a record with more than two completions gives. */
public enum Pairing {
    /** One pair: the best completion against the worst (by score, or by mean win probability). */
    BEST_WORST,
    /** Every pair of completions. */
    ALL,
    /** One pair drawn uniformly from the record's seeded stream. */
    RANDOM;

    /** The command-line name. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses best-worst | all | random. */
    public static Pairing parse(String s) {
        for (Pairing p : values()) {
            if (p.label().equals(s.trim().toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new UsageException("--pairing " + s + ": expected best-worst, all or random");
    }
}

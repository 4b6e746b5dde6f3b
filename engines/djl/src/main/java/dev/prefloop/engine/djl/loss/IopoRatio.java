package dev.prefloop.engine.djl.loss;

import dev.prefloop.core.error.UsageException;

/** IopoRatio: whether IOPO's log-ratio is per sequence or divided by the mean response length. */
public enum IopoRatio {
    /** log r over whole sequences (the paper). */
    SEQUENCE("sequence"),
    /** log r / ((n_w + n_l) / 2): a per-token ratio, so the clip at 1 +- epsilon bites. */
    MEAN_TOKEN("mean-token");

    private final String cliName;

    IopoRatio(String cliName) {
        this.cliName = cliName;
    }

    /** The option value, e.g. {@code mean-token}. */
    public String cliName() {
        return cliName;
    }

    /** The ratio named on the command line; a UsageException otherwise. */
    public static IopoRatio of(String name) {
        for (IopoRatio r : values()) {
            if (r.cliName.equals(name)) {
                return r;
            }
        }
        throw new UsageException("iopo_ratio: unknown value '" + name + "'; expected sequence or mean-token");
    }
}

package dev.prefloop.engine.djl.loss;

import dev.prefloop.core.error.UsageException;

/** IopoWeight: which log-ratio IOPO's importance weight r is built from (algorithms.md section 3). */
public enum IopoWeight {
    /** log r = frozen(y_preferred) - frozen(y_dispreferred): constant during a phase (the default). */
    ADVERSARY("adversary"),
    /** log r = learner(y_dispreferred) - frozen(y_dispreferred), detached. */
    LEARNER("learner");

    private final String cliName;

    IopoWeight(String cliName) {
        this.cliName = cliName;
    }

    /** The option value, e.g. {@code adversary}. */
    public String cliName() {
        return cliName;
    }

    /** The weight named on the command line; a UsageException otherwise. */
    public static IopoWeight of(String name) {
        for (IopoWeight w : values()) {
            if (w.cliName.equals(name)) {
                return w;
            }
        }
        throw new UsageException("iopo_weight: unknown value '" + name + "'; expected adversary or learner");
    }
}

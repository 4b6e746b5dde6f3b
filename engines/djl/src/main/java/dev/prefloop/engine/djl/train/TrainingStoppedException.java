package dev.prefloop.engine.djl.train;

import dev.prefloop.core.error.PrefloopException;

/** TrainingStoppedException: too many non-finite steps in a row; a checkpoint was written first (exit code 1). */
public final class TrainingStoppedException extends PrefloopException {

    private static final long serialVersionUID = 1L;

    /** The message says which steps and where the checkpoint is. */
    public TrainingStoppedException(String message) {
        super(message, null);
    }

    @Override
    public int exitCode() {
        return 1;
    }
}

package dev.prefloop.core.error;

/** A model directory, config or weight file that cannot be used as asked (exit code 4). */
public class ModelException extends PrefloopException {

    private static final long serialVersionUID = 1L;

    public ModelException(String message) {
        super(message, null);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public int exitCode() {
        return 4;
    }
}

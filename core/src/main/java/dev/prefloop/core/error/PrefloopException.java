package dev.prefloop.core.error;

/** The root of prefloop's failures; each kind carries the process exit code of DESIGN.md. */
public abstract class PrefloopException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    protected PrefloopException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The exit code: 2 usage, 3 bad input data, 4 model or weights, 1 anything else. */
    public abstract int exitCode();
}

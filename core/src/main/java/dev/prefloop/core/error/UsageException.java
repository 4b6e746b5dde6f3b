package dev.prefloop.core.error;

/** A bad option or combination of options (exit code 2). */
public class UsageException extends PrefloopException {

    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message, null);
    }

    @Override
    public int exitCode() {
        return 2;
    }
}

package dev.prefloop.core.judge;

import dev.prefloop.core.error.PrefloopException;

/**
 * A judge that failed or answered what cannot be used (exit code 1): a crashed or timed-out
 * command, an HTTP error after retries, a malformed or missing answer. The message names the request.
 */
public class JudgeException extends PrefloopException {

    private static final long serialVersionUID = 1L;

    public JudgeException(String message) {
        super(message, null);
    }

    public JudgeException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public int exitCode() {
        return 1;
    }
}

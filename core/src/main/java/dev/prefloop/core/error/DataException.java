package dev.prefloop.core.error;

/**
 * Bad input data (exit code 3); the message names the file, the line or record, the field and what
 * was expected, e.g. {@code data.jsonl, line 7, field "chosen": expected a string or a message list, got 3}.
 */
public class DataException extends PrefloopException {

    private static final long serialVersionUID = 1L;

    public DataException(String message) {
        super(message, null);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public int exitCode() {
        return 3;
    }
}

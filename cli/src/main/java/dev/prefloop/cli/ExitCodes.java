package dev.prefloop.cli;

import dev.prefloop.core.error.PrefloopException;
import picocli.CommandLine.IExitCodeExceptionMapper;
import picocli.CommandLine.ParameterException;

/** ExitCodes maps failures to DESIGN.md's exit codes: 2 usage, 3 bad data, 4 model, 1 anything else. */
public final class ExitCodes implements IExitCodeExceptionMapper {

    /** Success. */
    public static final int OK = 0;
    /** An unexpected failure. */
    public static final int FAILURE = 1;
    /** Bad usage. */
    public static final int USAGE = 2;
    /** Bad input data. */
    public static final int DATA = 3;
    /** Model or weights problem. */
    public static final int MODEL = 4;

    @Override
    public int getExitCode(Throwable t) {
        if (t instanceof PrefloopException p) {
            return p.exitCode();
        }
        if (t instanceof ParameterException) {
            return USAGE;
        }
        return FAILURE;
    }
}

package dev.prefloop.cli;

import dev.prefloop.core.error.PrefloopException;
import java.io.UncheckedIOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * ErrorReporter prints a failed verb's error as one line naming the verb, without a stack trace
 * (the trace goes to the debug log), and returns the exit code of the failure's kind.
 */
public final class ErrorReporter implements IExecutionExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ErrorReporter.class);

    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, ParseResult parsed) {
        String verb = cl.getCommandSpec().qualifiedName();
        String message = ex instanceof PrefloopException ? ex.getMessage()
                : ex instanceof UncheckedIOException io ? io.getMessage() + ": " + io.getCause().getMessage()
                : ex.getClass().getSimpleName() + ": " + ex.getMessage();
        cl.getErr().println(verb + ": error: " + message);
        if (!(ex instanceof PrefloopException)) {
            cl.getErr().println(verb + ": this is unexpected; rerun with --log-level debug for the stack trace");
        }
        LOG.debug("stack trace", ex);
        return new ExitCodes().getExitCode(ex);
    }
}

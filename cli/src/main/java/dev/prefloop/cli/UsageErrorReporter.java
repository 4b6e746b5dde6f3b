package dev.prefloop.cli;

import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;

/** UsageErrorReporter prints a bad command line's error and a pointer to --help (exit code 2). */
public final class UsageErrorReporter implements IParameterExceptionHandler {

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        String verb = cl.getCommandSpec().qualifiedName();
        cl.getErr().println(verb + ": error: " + ex.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(ex, cl.getErr());
        cl.getErr().println("Try '" + verb + " --help' for more information.");
        return ExitCodes.USAGE;
    }
}

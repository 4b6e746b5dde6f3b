package dev.prefloop.cli;

import dev.prefloop.core.inspect.InspectReport;
import dev.prefloop.core.inspect.InspectService;
import dev.prefloop.core.inspect.InspectText;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** InspectCommand is {@code prefloop inspect}: what a dataset holds and what is wrong with it. */
@Command(name = "inspect", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Show a dataset's record kinds, schema, counts, lengths, samples and problems.",
        description = "Reads every record of IN (file, directory, glob or -) and reports what it holds. Bad records are listed, not fatal: the exit code is 3 when any error was found, 0 otherwise.%n")
public final class InspectCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "Dataset: file, directory, glob, or - (stdin).")
    String input;

    @Option(names = {"-n", "--samples"}, paramLabel = "N", defaultValue = "3",
            description = "Sample rows to show (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--max-problems", paramLabel = "N", defaultValue = "20",
            description = "Problems to list one by one; all are counted (default: ${DEFAULT-VALUE}).")
    int maxProblems;

    @Mixin
    JsonMixin json;

    @Override
    public Integer call() {
        if (samples < 0 || maxProblems < 0) {
            throw new dev.prefloop.core.error.UsageException("--samples and --max-problems take 0 or more");
        }
        InspectReport report = new InspectService(ConsoleProgressFactory.stderr()).run(input, samples, maxProblems);
        if (json.json) {
            json.print(spec.commandLine().getOut(), report);
        } else {
            spec.commandLine().getOut().print(InspectText.render(report));
            spec.commandLine().getOut().flush();
        }
        return report.errors() > 0 ? ExitCodes.DATA : ExitCodes.OK;
    }
}

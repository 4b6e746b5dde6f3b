package dev.prefloop.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Prefloop is the root command: it lists the verbs and prints usage when none is given. */
@Command(name = "prefloop",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        header = "Composable verbs for preference alignment of language models.",
        description = "Each verb reads and writes shards (Arrow IPC or JSON Lines; Parquet is read too), so iterative DPO and online loops are shell scripts, Makefiles and cron jobs.%n",
        subcommands = {
            ConvertCommand.class,
            InspectCommand.class,
            ChatTemplateCommand.class,
            TokenizeCommand.class,
            InitTokenizerCommand.class,
            InitCommand.class,
            ScoreCommand.class,
            SampleCommand.class,
            LabelCommand.class,
            SftCommand.class,
            TrainCommand.class,
            MergeCommand.class,
            BenchCommand.class,
            HelpCommand.class,
            AutoComplete.GenerateCompletion.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:done (or already up to date)",
            " 1:an unexpected failure",
            " 2:bad usage: unknown option, bad value, conflicting options",
            " 3:bad input data: the message names file, record and field",
            " 4:model or weights problem"})
public final class Prefloop implements Runnable {

    @Spec
    CommandSpec spec;

    @Mixin
    LoggingMixin logging;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    /** Runs prefloop with the arguments and exits with the verb's exit code. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line (also used by tests). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Prefloop());
        cl.setExecutionStrategy(LoggingMixin::executionStrategy);
        cl.setExitCodeExceptionMapper(new ExitCodes());
        cl.setExecutionExceptionHandler(new ErrorReporter());
        cl.setParameterExceptionHandler(new UsageErrorReporter());
        cl.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(false);
        return cl;
    }
}

package dev.prefloop.cli;

import dev.prefloop.core.convert.ConvertResult;
import dev.prefloop.core.convert.ConvertService;
import dev.prefloop.core.convert.ConvertSettings;
import dev.prefloop.core.convert.KindRule;
import dev.prefloop.core.data.ShardFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** ConvertCommand is {@code prefloop convert}: copy a dataset into Arrow or JSON Lines shards. */
@Command(name = "convert", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Convert a dataset to Arrow or JSON Lines shards, checking every record.",
        description = "Reads IN (a file, a directory of shards, a glob, or - for JSON Lines on stdin; .jsonl, .jsonl.gz, .json, .arrow and .parquet) and writes its records, unchanged, as shards of DIR. Records are checked as the kind of the first record (prompt, sft, candidates, preference; --kind) and the first bad one stops the run, leaving no output. Extra columns, nested ones too, are carried through. Rerunning with the same inputs and options does nothing and says so.%n")
public final class ConvertCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(ConvertCommand.class);

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "Input dataset: file, directory, glob, or - (stdin).")
    String input;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR",
            description = "Output directory of shards plus _manifest.json, written atomically; - writes JSON Lines"
                    + " to stdout (no manifest).")
    String out;

    @Option(names = "--kind", paramLabel = "KIND", defaultValue = "auto",
            description = "Check records as auto (the kind of the first record), prompt, sft, candidates,"
                    + " preference, or any (no checks). Default: ${DEFAULT-VALUE}.")
    String kind;

    @Option(names = "--records-per-shard", paramLabel = "N", defaultValue = "0",
            description = "Start a new shard every N records (0: one shard, unless the record shape changes).")
    long recordsPerShard;

    @Mixin
    ShardOutputMixin output;

    @Mixin
    ShardMixin shard;

    @Mixin
    JsonMixin json;

    @Override
    public Integer call() {
        ShardFormat fmt = output.format();
        ConvertSettings settings = new ConvertSettings(input, out, fmt, KindRule.parse(kind), shard.slice(),
                recordsPerShard, output.force);
        ConvertResult r = new ConvertService(ConsoleProgressFactory.stderr(), System.out).run(settings);
        if (!settings.toStdout() && !r.upToDate()) {
            LOG.info("wrote {} {} records to {} ({} shard(s)) in {}s", r.records(), r.kind() == null ? "" : r.kind(),
                    out, r.shards().size(), String.format("%.2f", r.seconds()));
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("verb", "convert");
        summary.put("status", r.upToDate() ? "up-to-date" : "done");
        summary.put("out", out);
        summary.put("kind", r.kind());
        summary.put("records", r.records());
        summary.put("shards", r.shards());
        summary.put("warnings", r.warnings());
        summary.put("seconds", r.seconds());
        if (!settings.toStdout()) {
            json.print(spec.commandLine().getOut(), summary);
        }
        return ExitCodes.OK;
    }
}

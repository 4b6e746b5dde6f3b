package dev.prefloop.cli;

import dev.prefloop.core.data.ShardFormat;
import dev.prefloop.core.error.UsageException;
import picocli.CommandLine.Option;

/** ShardOutputMixin holds the options of verbs that write a shard directory: its format and --force. */
public final class ShardOutputMixin {

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "arrow",
            description = "Output format: arrow, jsonl or jsonl.gz (default: ${DEFAULT-VALUE}).")
    String format = "arrow";

    @Option(names = "--force", description = "Redo the run even if DIR holds the output of the same run, and replace"
            + " the output of a different run.")
    boolean force;

    /** The parsed output format. */
    ShardFormat format() {
        try {
            ShardFormat f = ShardFormat.ofName(format);
            if (f != ShardFormat.PARQUET) {
                return f;
            }
        } catch (IllegalArgumentException e) {
            // falls through to the usage error
        }
        throw new UsageException("--format " + format + ": expected arrow, jsonl or jsonl.gz");
    }
}

package dev.prefloop.cli;

import dev.prefloop.core.data.SliceSpec;
import picocli.CommandLine.Option;

/** ShardMixin holds {@code --shard i/n}: process one slice of the input. */
public final class ShardMixin {

    @Option(names = "--shard", paramLabel = "i/n|auto", defaultValue = "0/1",
            description = "Process the records whose position modulo n is i (0 <= i < n); 'auto' reads"
                    + " PREFLOOP_SHARD, a Slurm array (SLURM_ARRAY_TASK_ID/COUNT) or a Kubernetes Indexed Job"
                    + " (JOB_COMPLETION_INDEX with PREFLOOP_SHARD_COUNT). Default: ${DEFAULT-VALUE}.")
    String shard = "0/1";

    /** The parsed slice. */
    SliceSpec slice() {
        return SliceSpec.parse(shard, System.getenv());
    }
}

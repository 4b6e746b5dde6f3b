package dev.prefloop.core.data;

import java.nio.file.Path;

/** Shard is one input file of a dataset and its format; {@code path} is null for standard input. */
public record Shard(Path path, ShardFormat format) {

    /** The name used in messages: the path, or "<stdin>". */
    public String displayName() {
        return path == null ? "<stdin>" : path.toString();
    }
}

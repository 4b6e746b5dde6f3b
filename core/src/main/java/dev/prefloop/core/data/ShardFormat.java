package dev.prefloop.core.data;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/** ShardFormat is a shard file's format, told by its name. */
public enum ShardFormat {
    /** Arrow IPC, file or stream layout. */
    ARROW(".arrow"),
    /** JSON Lines. */
    JSONL(".jsonl"),
    /** gzip-compressed JSON Lines. */
    JSONL_GZ(".jsonl.gz"),
    /** Parquet (read only). */
    PARQUET(".parquet");

    private final String extension;

    ShardFormat(String extension) {
        this.extension = extension;
    }

    /** The file name ending prefloop writes for this format. */
    public String extension() {
        return extension;
    }

    /** The format of a file named explicitly; {@code .json} and {@code .json.gz} hold JSON Lines, as in HF datasets. */
    public static Optional<ShardFormat> ofFile(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".jsonl.gz") || n.endsWith(".json.gz")) {
            return Optional.of(JSONL_GZ);
        } else if (n.endsWith(".jsonl") || n.endsWith(".json")) {
            return Optional.of(JSONL);
        } else if (n.endsWith(".arrow")) {
            return Optional.of(ARROW);
        } else if (n.endsWith(".parquet")) {
            return Optional.of(PARQUET);
        }
        return Optional.empty();
    }

    /**
     * The format of a file found by listing a directory or glob: as {@link #ofFile} but without
     * {@code .json}, which in dataset directories holds metadata (dataset_info.json, state.json).
     */
    public static Optional<ShardFormat> ofListedFile(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.startsWith("_") || n.startsWith(".") || n.endsWith(".json") || n.endsWith(".json.gz")) {
            return Optional.empty();
        }
        return ofFile(file);
    }

    /** The format of an output named on the command line ("arrow", "jsonl", "jsonl.gz"). */
    public static ShardFormat ofName(String name) {
        for (ShardFormat f : values()) {
            if (f.extension.substring(1).equalsIgnoreCase(name) || f.name().equalsIgnoreCase(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException(name);
    }
}

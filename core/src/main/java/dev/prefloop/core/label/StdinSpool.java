package dev.prefloop.core.label;

import dev.prefloop.core.data.Shard;
import dev.prefloop.core.data.ShardFormat;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * StdinSpool copies standard input to a temporary file, because label reads its input twice
 * (checks everything first, then judges); the file's name says it came from stdin, and it is
 * deleted on close.
 */
final class StdinSpool implements AutoCloseable {

    private final Path file;
    private final List<Shard> shards;

    private StdinSpool(Path file, List<Shard> shards) {
        this.file = file;
        this.shards = shards;
    }

    /** The shards to read twice: {@code shards} themselves unless one of them is standard input. */
    static StdinSpool of(List<Shard> shards, InputStream stdin) {
        if (shards.stream().allMatch(s -> s.path() != null)) {
            return new StdinSpool(null, shards);
        }
        try {
            InputStream in = new BufferedInputStream(stdin, 1 << 16);
            in.mark(2);
            boolean gzip = in.read() == 0x1f && in.read() == 0x8b;
            in.reset();
            ShardFormat format = gzip ? ShardFormat.JSONL_GZ : ShardFormat.JSONL;
            Path tmp = Files.createTempFile("prefloop-label-stdin-", format.extension());
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            List<Shard> out = shards.stream().map(s -> s.path() == null ? new Shard(tmp, format) : s).toList();
            return new StdinSpool(tmp, out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy standard input to a temporary file", e);
        }
    }

    List<Shard> shards() {
        return shards;
    }

    @Override
    public void close() {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // a temporary file; the system cleans it up eventually
            }
        }
    }
}

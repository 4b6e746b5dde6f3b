package dev.prefloop.core.output;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.data.ShardFormat;
import dev.prefloop.core.data.SliceSpec;
import dev.prefloop.core.data.arrow.ArrowShardWriter;
import dev.prefloop.core.data.arrow.JsonShape;
import dev.prefloop.core.data.arrow.ShapedBatch;
import dev.prefloop.core.data.jsonl.JsonlRecordWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * ShardedOutput writes a verb's records as shards of an output directory, atomically: shards are
 * written under hidden temporary names and renamed only by {@link #commit}, which then writes the
 * manifest last. Closing without a commit deletes everything this run wrote (and the directory,
 * if this run created it), so a failed verb leaves no partial output.
 */
public final class ShardedOutput implements AutoCloseable {

    /** Records per Arrow record batch (and per schema inference step). */
    static final int BATCH = 1024;

    private final Path dir;
    private final ShardFormat format;
    private final SliceSpec slice;
    private final long recordsPerShard;
    private final boolean createdDir;
    private final String nonce = UUID.randomUUID().toString().substring(0, 8);
    private final ObjectMapper json = JsonCodec.mapper();

    private final List<Path> temps = new ArrayList<>();
    private final List<String> finalNames = new ArrayList<>();
    private final List<ObjectNode> batch = new ArrayList<>(BATCH);
    private ArrowShardWriter arrow;
    private JsonlRecordWriter jsonl;
    private long inShard;
    private long written;
    private boolean committed;

    /**
     * Prepares {@code dir} (created if absent) for shards of {@code format}; {@code recordsPerShard}
     * 0 means one shard unless the record shape forces a new Arrow file.
     */
    public ShardedOutput(Path dir, ShardFormat format, SliceSpec slice, long recordsPerShard) {
        if (format == ShardFormat.PARQUET) {
            throw new IllegalArgumentException("prefloop reads Parquet but writes Arrow or JSON Lines");
        }
        this.dir = dir;
        this.format = format;
        this.slice = slice;
        this.recordsPerShard = recordsPerShard;
        try {
            this.createdDir = !Files.exists(dir);
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create output directory " + dir, e);
        }
    }

    /** Appends one record. */
    public void write(ObjectNode record) {
        batch.add(record);
        if (batch.size() >= BATCH) {
            flush();
        }
    }

    /** Records written so far. */
    public long count() {
        return written + batch.size();
    }

    private void flush() {
        if (batch.isEmpty()) {
            return;
        }
        int from = 0;
        while (from < batch.size()) {
            if (recordsPerShard > 0 && inShard >= recordsPerShard) {
                closeShard();
            }
            int to = recordsPerShard > 0 ? (int) Math.min(batch.size(), from + recordsPerShard - inShard) : batch.size();
            writeRange(batch.subList(from, to));
            inShard += to - from;
            written += to - from;
            from = to;
        }
        batch.clear();
    }

    private void writeRange(List<ObjectNode> records) {
        if (format == ShardFormat.ARROW) {
            ShapedBatch shaped = ShapedBatch.of(records);
            if (arrow != null && !arrow.accepts(shaped.shape())) {
                JsonShape.StructOf wider = (JsonShape.StructOf) JsonShape.unify(arrow.shape(), shaped.shape());
                closeShard();
                arrow = new ArrowShardWriter(newShard(), wider);
            } else if (arrow == null) {
                arrow = new ArrowShardWriter(newShard(), shaped.shape());
            }
            arrow.write(shaped.records());
        } else {
            if (jsonl == null) {
                try {
                    jsonl = new JsonlRecordWriter(Files.newOutputStream(newShard()),
                            format == ShardFormat.JSONL_GZ, true, json);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            records.forEach(jsonl::write);
        }
    }

    private Path newShard() {
        String tag = slice.tag();
        String name = "part-" + (tag.isEmpty() ? "" : tag + "-") + String.format("%05d", finalNames.size()) + format.extension();
        Path temp = dir.resolve("." + name + ".tmp-" + nonce);
        temps.add(temp);
        finalNames.add(name);
        inShard = 0;
        return temp;
    }

    private void closeShard() {
        if (arrow != null) {
            arrow.close();
            arrow = null;
        }
        if (jsonl != null) {
            jsonl.close();
            jsonl = null;
        }
        inShard = 0;
    }

    /**
     * Finishes the shards, replaces any earlier output of the same slice, renames the shards into
     * place and writes the manifest last. An empty output still gets one (empty) shard so that
     * readers see a dataset with zero records rather than a missing one.
     */
    public List<String> commit(Manifest manifest) {
        flush();
        if (finalNames.isEmpty()) {
            writeRange(List.of());
        }
        closeShard();
        try {
            removePreviousOutput();
            for (int i = 0; i < temps.size(); i++) {
                Files.move(temps.get(i), dir.resolve(finalNames.get(i)), StandardCopyOption.ATOMIC_MOVE);
            }
            temps.clear();
            Manifests.write(dir, slice, manifest.withShards(finalNames, written));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot finish output in " + dir, e);
        }
        committed = true;
        return List.copyOf(finalNames);
    }

    private void removePreviousOutput() throws IOException {
        String prefix = "part-" + (slice.isAll() ? "" : slice.tag() + "-");
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                String n = p.getFileName().toString();
                boolean ours = n.startsWith(prefix) && (slice.isAll() ? !n.startsWith("part-shard-") : true);
                if (ours && ShardFormat.ofListedFile(p).isPresent()) {
                    Files.delete(p);
                }
            }
        }
        Files.deleteIfExists(Manifests.path(dir, slice));
    }

    @Override
    public void close() {
        if (committed) {
            return;
        }
        try {
            closeShard();
        } catch (RuntimeException e) {
            // the run already failed; cleaning up matters more than this second error
        }
        for (Path t : temps) {
            try {
                Files.deleteIfExists(t);
            } catch (IOException e) {
                // best effort: a leftover hidden temp file is ignored by every reader
            }
        }
        if (createdDir) {
            try {
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                // not empty: someone else wrote there meanwhile; leave it
            }
        }
    }
}

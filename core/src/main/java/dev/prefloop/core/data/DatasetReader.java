package dev.prefloop.core.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.arrow.ArrowRecordReader;
import dev.prefloop.core.data.jsonl.JsonlRecordReader;
import dev.prefloop.core.data.parquet.ParquetRecordReader;
import dev.prefloop.core.error.DataException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * DatasetReader streams the records of every shard of a dataset in order, keeping those of one
 * {@link SliceSpec}; only one shard is open at a time.
 */
public final class DatasetReader implements RecordReader {

    private final List<Shard> shards;
    private final SliceSpec slice;
    private final ObjectMapper json;
    private int nextShard;
    private RecordReader current;
    private long position = -1;
    private ObjectNode pending;

    public DatasetReader(List<Shard> shards, SliceSpec slice) {
        this.shards = List.copyOf(shards);
        this.slice = slice;
        this.json = JsonCodec.mapper();
    }

    /** Opens one shard file by its format. */
    public static RecordReader open(Shard shard, ObjectMapper json) {
        try {
            return switch (shard.format()) {
                case ARROW -> new ArrowRecordReader(shard.path(), json);
                case JSONL -> shard.path() == null
                        ? stdin(json)
                        : new JsonlRecordReader(Files.newInputStream(shard.path()), shard.displayName(), false, json);
                case JSONL_GZ -> new JsonlRecordReader(Files.newInputStream(shard.path()), shard.displayName(), true, json);
                case PARQUET -> new ParquetRecordReader(shard.path());
            };
        } catch (IOException e) {
            throw new DataException(shard.displayName() + ": cannot open: " + e.getMessage(), e);
        }
    }

    private static RecordReader stdin(ObjectMapper json) throws IOException {
        // Standard input may be gzip: look at the magic bytes instead of trusting a name.
        InputStream in = new BufferedInputStream(System.in, 1 << 16);
        in.mark(2);
        boolean gzip = in.read() == 0x1f && in.read() == 0x8b;
        in.reset();
        return new JsonlRecordReader(in, "<stdin>", gzip, json);
    }

    /** The shards this reader goes through. */
    public List<Shard> shards() {
        return shards;
    }

    @Override
    public boolean hasNext() {
        while (pending == null) {
            if (current == null) {
                if (nextShard >= shards.size()) {
                    return false;
                }
                current = open(shards.get(nextShard++), json);
            }
            if (!current.hasNext()) {
                current.close();
                current = null;
                continue;
            }
            ObjectNode r = current.next();
            position++;
            if (slice.contains(position)) {
                pending = r;
            }
        }
        return true;
    }

    @Override
    public ObjectNode next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        ObjectNode r = pending;
        pending = null;
        return r;
    }

    @Override
    public String location() {
        return current == null ? "(no record)" : current.location();
    }

    @Override
    public void close() {
        if (current != null) {
            current.close();
            current = null;
        }
    }
}

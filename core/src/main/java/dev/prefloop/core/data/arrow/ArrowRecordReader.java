package dev.prefloop.core.data.arrow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.RecordReader;
import dev.prefloop.core.error.DataException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;

/**
 * ArrowRecordReader streams the rows of an Arrow IPC file, one record batch in memory at a time.
 * Both IPC layouts are read: the file format ({@code ARROW1} magic, what prefloop writes) and the
 * stream format (what Hugging Face datasets keeps in its {@code .arrow} cache files).
 */
public final class ArrowRecordReader implements RecordReader {

    private static final byte[] MAGIC = "ARROW1".getBytes(StandardCharsets.US_ASCII);

    private final Path file;
    private final BufferAllocator allocator;
    private final ArrowReader reader;
    private final ArrowToJson cells;
    private VectorSchemaRoot root;
    private int row;
    private int rowsInBatch;
    private long recordNumber;
    private boolean broken;

    public ArrowRecordReader(Path file, ObjectMapper json) {
        this.file = file;
        this.allocator = new RootAllocator();
        try {
            this.reader = isFileFormat(file)
                    ? new ArrowFileReader(FileChannel.open(file, StandardOpenOption.READ), allocator)
                    : new ArrowStreamReader(Files.newInputStream(file), allocator);
            this.root = reader.getVectorSchemaRoot();
        } catch (IOException | RuntimeException e) {
            allocator.close();
            throw corrupt(e);
        }
        this.cells = new ArrowToJson(json, reader, file.toString());
    }

    private static boolean isFileFormat(Path file) throws IOException {
        byte[] head = new byte[MAGIC.length];
        try (InputStream in = Files.newInputStream(file)) {
            int n = in.readNBytes(head, 0, head.length);
            return n == head.length && java.util.Arrays.equals(head, MAGIC);
        }
    }

    @Override
    public boolean hasNext() {
        while (row >= rowsInBatch) {
            if (broken) {
                return false; // after a read error the rest of the file cannot be trusted
            }
            try {
                if (!reader.loadNextBatch()) {
                    return false;
                }
            } catch (IOException | RuntimeException e) {
                broken = true;
                throw corrupt(e);
            }
            root = safeRoot();
            row = 0;
            rowsInBatch = root.getRowCount();
        }
        return true;
    }

    private VectorSchemaRoot safeRoot() {
        try {
            return reader.getVectorSchemaRoot();
        } catch (IOException e) {
            throw corrupt(e);
        }
    }

    @Override
    public ObjectNode next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        recordNumber++;
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        List<FieldVector> vectors = root.getFieldVectors();
        Set<String> nulls = Set.of();
        FieldVector nullColumn = root.getVector(ExplicitNulls.COLUMN);
        if (nullColumn != null) {
            JsonNode pointers = cells.value(nullColumn, row, ExplicitNulls.COLUMN, null, Set.of());
            if (pointers != null && pointers.size() > 0) {
                nulls = new HashSet<>();
                for (JsonNode p : pointers) {
                    nulls.add(p.asText());
                }
            }
        }
        for (FieldVector v : vectors) {
            String name = v.getName();
            if (name.equals(ExplicitNulls.COLUMN)) {
                continue;
            }
            String path = nulls.isEmpty() ? null : "/" + ArrowToJson.pointerToken(name);
            JsonNode x = cells.value(v, row, name, path, nulls);
            if (x != null) {
                out.set(name, x);
            } else if (path != null && nulls.contains(path)) {
                out.putNull(name);
            }
        }
        row++;
        return out;
    }

    @Override
    public String location() {
        return file + ", record " + recordNumber;
    }

    private DataException corrupt(Exception e) {
        String what = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new DataException(file + (recordNumber > 0 ? ", after record " + recordNumber : "")
                + ": not a readable Arrow IPC file (expected the Arrow IPC file or stream format,"
                + " uncompressed): " + what, e);
    }

    @Override
    public void close() {
        try {
            reader.close();
        } catch (IOException e) {
            // closing a read-only source: nothing to lose
        } finally {
            allocator.close();
        }
    }
}

package dev.prefloop.core.data.arrow;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/** ArrowShardWriter writes batches of records with one fixed schema into one Arrow IPC file. */
public final class ArrowShardWriter implements AutoCloseable {

    private final JsonShape.StructOf shape;
    private final BufferAllocator allocator;
    private final VectorSchemaRoot root;
    private final FileChannel channel;
    private final ArrowFileWriter writer;

    /** Opens {@code file} for records of the given shape (the union of the batches it will take). */
    public ArrowShardWriter(Path file, JsonShape.StructOf shape) {
        this.shape = shape;
        List<Field> fields = shape.fields().entrySet().stream()
                .map(e -> JsonShape.toField(e.getKey(), e.getValue()))
                .collect(Collectors.toList());
        this.allocator = new RootAllocator();
        this.root = VectorSchemaRoot.create(new Schema(fields), allocator);
        try {
            this.channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            this.writer = new ArrowFileWriter(root, null, channel);
            writer.start();
        } catch (IOException e) {
            root.close();
            allocator.close();
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** The shape this file was opened with. */
    public JsonShape.StructOf shape() {
        return shape;
    }

    /** Whether records of this shape fit this file's schema without widening it. */
    public boolean accepts(JsonShape batch) {
        return JsonShape.unify(shape, batch).equals(shape);
    }

    /** Appends one record batch. */
    public void write(List<ObjectNode> records) {
        root.allocateNew();
        for (int i = 0; i < records.size(); i++) {
            ObjectNode r = records.get(i);
            for (FieldVector v : root.getFieldVectors()) {
                JsonToArrow.set(v, i, r.get(v.getName()));
            }
        }
        root.setRowCount(records.size());
        try {
            writer.writeBatch();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            writer.end();
            writer.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            root.close();
            allocator.close();
        }
    }
}

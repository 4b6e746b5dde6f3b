package dev.prefloop.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.arrow.ArrowRecordReader;
import dev.prefloop.core.data.arrow.ArrowShardWriter;
import dev.prefloop.core.data.arrow.JsonShape;
import dev.prefloop.core.data.arrow.ShapedBatch;
import dev.prefloop.core.error.DataException;
import dev.prefloop.core.output.Manifest;
import dev.prefloop.core.output.ShardedOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.impl.UnionListWriter;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArrowRoundTripTest {

    private static final ObjectMapper JSON = JsonCodec.mapper();

    @TempDir
    Path tmp;

    private static List<ObjectNode> lines(String... jsonl) throws IOException {
        List<ObjectNode> out = new ArrayList<>();
        for (String l : jsonl) {
            out.add((ObjectNode) JSON.readTree(l));
        }
        return out;
    }

    private List<ObjectNode> roundTrip(List<ObjectNode> records) {
        Path dir = tmp.resolve("out-" + System.nanoTime());
        List<String> shards;
        try (ShardedOutput out = new ShardedOutput(dir, ShardFormat.ARROW, SliceSpec.ALL, 0)) {
            records.forEach(out::write);
            shards = out.commit(Manifest.planned("test", "0", Map.of(), List.of(), List.of(), null, "0/1"));
        }
        List<ObjectNode> back = new ArrayList<>();
        for (String s : shards) {
            try (ArrowRecordReader r = new ArrowRecordReader(dir.resolve(s), JSON)) {
                r.forEachRemaining(back::add);
            }
        }
        return back;
    }

    @Test
    void mixedExampleDataComesBackRecordForRecordInKeyOrder() throws IOException {
        List<ObjectNode> in = new ArrayList<>();
        for (String l : Files.readAllLines(Path.of("src/test/resources/data/mixed-preferences.jsonl"),
                StandardCharsets.UTF_8)) {
            in.add((ObjectNode) JSON.readTree(l));
        }
        List<ObjectNode> back = roundTrip(in);
        assertEquals(in.size(), back.size());
        for (int i = 0; i < in.size(); i++) {
            assertEquals(in.get(i), back.get(i), "record " + i);
            assertEquals(JSON.writeValueAsString(in.get(i)), JSON.writeValueAsString(back.get(i)), "key order, record " + i);
        }
    }

    @Test
    void absentFieldsStayAbsentAndExplicitNullsStayNull() throws IOException {
        List<ObjectNode> in = lines(
                "{\"a\": \"x\", \"m\": {\"p\": 1}}",
                "{\"b\": 2}",
                "{\"a\": null, \"m\": {\"p\": null, \"q\": [null, 1]}}",
                "{\"m\": {\"q\": []}, \"b\": null}");
        List<ObjectNode> back = roundTrip(in);
        assertEquals(in, back);
        assertEquals("{\"b\":2}", JSON.writeValueAsString(back.get(1)));
    }

    @Test
    void conflictingTypesAreKeptExactlyAsJsonText() throws IOException {
        List<ObjectNode> in = lines(
                "{\"x\": \"text\", \"content\": \"hi\"}",
                "{\"x\": 3, \"content\": [{\"type\": \"text\", \"text\": \"hi\"}]}",
                "{\"x\": {\"deep\": true}, \"content\": \"there\"}");
        assertEquals(in, roundTrip(in));
    }

    @Test
    void integersMixedWithFloatsBecomeFloat64() throws IOException {
        List<ObjectNode> back = roundTrip(lines("{\"s\": 1}", "{\"s\": 0.5}", "{\"s\": -2e-3}"));
        assertEquals(1.0, back.get(0).get("s").doubleValue());
        assertEquals(-0.002, back.get(2).get("s").doubleValue());
    }

    @Test
    void aWiderLaterBatchStartsANewShardAndNothingIsLost() {
        List<ObjectNode> in = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            ObjectNode r = JSON.createObjectNode().put("id", i).put("prompt", "p" + i);
            if (i >= 2500) {
                r.putObject("extra").put("k", i);
            }
            in.add(r);
        }
        assertEquals(in, roundTrip(in));
    }

    @Test
    void shapeUnificationRules() {
        JsonShape s = JsonShape.unify(JsonShape.INT, JsonShape.FLOAT);
        assertEquals(JsonShape.FLOAT, s);
        assertEquals(JsonShape.JSON_TEXT, JsonShape.unify(JsonShape.TEXT, JsonShape.INT));
        assertEquals(new JsonShape.ListOf(JsonShape.TEXT),
                JsonShape.unify(new JsonShape.ListOf(JsonShape.NOTHING), new JsonShape.ListOf(JsonShape.TEXT)));
    }

    @Test
    void readsTheIpcStreamFormatHuggingFaceDatasetsCaches() throws IOException {
        Path file = tmp.resolve("data-00000-of-00001.arrow");
        Field prompt = new Field("prompt", FieldType.nullable(ArrowType.Utf8.INSTANCE), null);
        Field ids = new Field("prompt_ids", FieldType.nullable(ArrowType.List.INSTANCE),
                List.of(new Field("item", FieldType.nullable(new ArrowType.Int(32, true)), null)));
        try (RootAllocator a = new RootAllocator();
                VectorSchemaRoot root = VectorSchemaRoot.create(new Schema(List.of(prompt, ids)), a);
                var out = Files.newOutputStream(file);
                ArrowStreamWriter w = new ArrowStreamWriter(root, null, out)) {
            w.start();
            VarCharVector p = (VarCharVector) root.getVector("prompt");
            ListVector l = (ListVector) root.getVector("prompt_ids");
            root.allocateNew();
            p.setSafe(0, "héllo".getBytes(StandardCharsets.UTF_8));
            UnionListWriter lw = l.getWriter();
            lw.setPosition(0);
            lw.startList();
            lw.writeInt(5);
            lw.writeInt(7);
            lw.endList();
            root.setRowCount(1);
            w.writeBatch();
            w.end();
        }
        try (ArrowRecordReader r = new ArrowRecordReader(file, JSON)) {
            assertEquals("{\"prompt\":\"héllo\",\"prompt_ids\":[5,7]}", JSON.writeValueAsString(r.next()));
        }
    }

    @Test
    void aCorruptFileIsADataErrorNamingIt() throws IOException {
        Path file = tmp.resolve("bad.arrow");
        Files.write(file, "ARROW1 this is not arrow at all".getBytes(StandardCharsets.US_ASCII));
        DataException e = assertThrows(DataException.class, () -> {
            try (ArrowRecordReader r = new ArrowRecordReader(file, JSON)) {
                r.hasNext();
            }
        });
        assertTrue(e.getMessage().startsWith(file + ": not a readable Arrow IPC file"), e.getMessage());
    }

    @Test
    void shapedBatchAddsTheHiddenNullColumnOnlyWhenNeeded() throws IOException {
        ShapedBatch plain = ShapedBatch.of(lines("{\"a\": 1}"));
        assertEquals(List.of("a"), new ArrayList<>(plain.shape().fields().keySet()));
        ShapedBatch withNull = ShapedBatch.of(lines("{\"a\": null}"));
        assertTrue(withNull.shape().fields().containsKey("_prefloop_nulls"));
        try (ArrowShardWriter w = new ArrowShardWriter(tmp.resolve("x.arrow"), plain.shape())) {
            assertTrue(w.accepts(plain.shape()));
        }
    }
}

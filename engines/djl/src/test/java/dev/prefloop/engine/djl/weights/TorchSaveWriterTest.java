package dev.prefloop.engine.djl.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TorchSaveWriter's files read back through TorchArchive, with torch's record layout. */
class TorchSaveWriterTest {

    @TempDir
    Path tmp;

    private static TorchSaveWriter.Tensor floats(long[] shape, float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return new TorchSaveWriter.Tensor("F32", shape, () -> b);
    }

    @Test
    void valuesAndTensorsReadBackAsTheyWereWritten() {
        Map<Object, Object> root = new LinkedHashMap<>();
        root.put("ints", List.of(0, 255, 256, 65535, 65536, -1, Integer.MIN_VALUE, 1L << 40, Long.MIN_VALUE));
        root.put("floats", List.of(0.001, -2.5e300, 1e-8));
        root.put("flags", Arrays.asList(true, false, null));
        root.put("text", "écrit 写 🙂");
        root.put("tuples", List.of(TorchSaveWriter.Tuple.of(), TorchSaveWriter.Tuple.of(1), TorchSaveWriter.Tuple.of(1, 2),
                TorchSaveWriter.Tuple.of(1, 2, 3), TorchSaveWriter.Tuple.of(1, 2, 3, 4)));
        root.put(7L, Map.of());
        root.put("scalar", floats(new long[0], 2f));
        root.put("matrix", floats(new long[] {2, 3}, 1, 2, 3, 4, 5, 6));
        Path file = tmp.resolve("state.pt");
        TorchSaveWriter.write(file, root);
        try (TorchArchive a = TorchArchive.open(file)) {
            Map<?, ?> r = (Map<?, ?>) a.root();
            assertEquals(List.of(0L, 255L, 256L, 65535L, 65536L, -1L, (long) Integer.MIN_VALUE, 1L << 40, Long.MIN_VALUE),
                    r.get("ints"));
            assertEquals(List.of(0.001, -2.5e300, 1e-8), r.get("floats"));
            List<?> flags = (List<?>) r.get("flags");
            assertEquals(List.of(true, false), flags.subList(0, 2));
            assertEquals("None", flags.get(2).toString());
            assertEquals("écrit 写 🙂", r.get("text"));
            List<?> tuples = (List<?>) r.get("tuples");
            assertEquals(5, tuples.size());
            assertEquals("Tuple[items=[1, 2, 3, 4]]", tuples.get(4).toString());
            assertEquals(Map.of(), r.get(7L));
            HostTensor scalar = a.tensor(r.get("scalar"), "scalar");
            assertArrayEquals(new long[0], scalar.shape());
            assertEquals(2f, scalar.data().getFloat(0));
            HostTensor matrix = a.tensor(r.get("matrix"), "matrix");
            assertArrayEquals(new long[] {2, 3}, matrix.shape());
            assertEquals(6f, matrix.data().getFloat(20));
        }
    }

    @Test
    void everyRecordStartsOnA64ByteBoundaryUnderTheFilesName() throws Exception {
        Path file = tmp.resolve("optimizer.pt");
        List<Object> tensors = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            tensors.add(floats(new long[] {i}, new float[i]));
        }
        TorchSaveWriter.write(file, tensors);
        ByteBuffer zip = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        List<String> names = new ArrayList<>();
        int at = 0;
        while (zip.getInt(at) == 0x04034b50) { // local file header
            int size = zip.getInt(at + 18);
            int nameLength = zip.getShort(at + 26) & 0xFFFF;
            int extraLength = zip.getShort(at + 28) & 0xFFFF;
            int data = at + 30 + nameLength + extraLength;
            String name = new String(zip.array(), at + 30, nameLength, StandardCharsets.UTF_8);
            names.add(name);
            assertEquals(0, data % 64, name + " data at " + data);
            assertEquals(0, zip.getShort(at + 8), name + " is stored, not deflated");
            at = data + size;
        }
        assertEquals(List.of("optimizer/data.pkl", "optimizer/.format_version", "optimizer/.storage_alignment",
                "optimizer/byteorder", "optimizer/data/0", "optimizer/data/1", "optimizer/data/2", "optimizer/data/3",
                "optimizer/data/4", "optimizer/version"), names);
        byte[] again = Files.readAllBytes(file);
        TorchSaveWriter.write(file, tensors);
        assertTrue(Arrays.equals(again, Files.readAllBytes(file)), "the same state gives the same bytes");
    }
}

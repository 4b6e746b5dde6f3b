package dev.prefloop.engine.djl.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {

    @TempDir
    Path tmp;

    @Test
    void rewritingTheFixtureGivesTheSameBytesAsTheSafetensorsLibrary() throws IOException {
        Path original = Fixtures.dir("llama-gqa").resolve("model.safetensors");
        Path copy = tmp.resolve("model.safetensors");
        SafetensorsWriter.write(copy, SafetensorsReader.read(original));
        assertArrayEquals(Files.readAllBytes(original), Files.readAllBytes(copy));
    }

    @Test
    void rewritingTheFixturesShardsGivesTheSameShardsAndIndex() throws IOException {
        Path dir = Fixtures.dir("llama-gqa-sharded");
        List<Map<String, HostTensor>> shards = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            shards.add(SafetensorsReader.read(dir.resolve("model-0000" + i + "-of-00003.safetensors")));
        }
        List<Path> written = SafetensorsWriter.writeShards(tmp, new ShardPlan(shards));
        assertEquals(4, written.size());
        for (Path p : written) {
            assertArrayEquals(Files.readAllBytes(dir.resolve(p.getFileName())), Files.readAllBytes(p),
                    p.getFileName().toString());
        }
    }

    @Test
    void mixedDtypesRoundTripAndAreOrderedByDescendingAlignmentThenName() throws IOException {
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        tensors.put("mask", tensor("U8", new long[] {3}, 1, 0, 1));
        tensors.put("b.weight", tensor("F32", new long[] {2}, 1, 2, 3, 4, 5, 6, 7, 8));
        tensors.put("a.weight", tensor("BF16", new long[] {1, 2}, 9, 9, 8, 8));
        tensors.put("positions", tensor("I64", new long[] {1}, 1, 2, 3, 4, 5, 6, 7, 8));
        tensors.put("a.bias", tensor("F32", new long[] {}, 4, 3, 2, 1));
        tensors.put("é", tensor("F32", new long[] {0}));
        Path file = tmp.resolve("model.safetensors");
        SafetensorsWriter.write(file, tensors);

        Map<String, HostTensor> back = SafetensorsReader.read(file);
        assertEquals(List.of("positions", "a.bias", "b.weight", "é", "a.weight", "mask"), List.copyOf(back.keySet()));
        assertSameTensors(tensors, back);
        byte[] bytes = Files.readAllBytes(file);
        long headerLen = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLen % 8);
        String header = new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\"},\"positions\":{\"dtype\":\"I64\","
                + "\"shape\":[1],\"data_offsets\":[0,8]},\"a.bias\":{\"dtype\":\"F32\",\"shape\":[],"
                + "\"data_offsets\":[8,12]}"), header);
        assertEquals(8 + headerLen + 8 + 4 + 8 + 0 + 4 + 3, bytes.length);
    }

    @Test
    void shardingFollowsTheHubRule() {
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        int[] sizes = {6, 6, 2, 6, 2, 2, 11, 1};
        for (int i = 0; i < sizes.length; i++) {
            tensors.put("t" + i, tensor("U8", new long[] {sizes[i]}, new int[sizes[i]]));
        }
        ShardPlan plan = ShardPlan.bySize(tensors, 10);
        // [6], [6+2], then t6 (11 > 10) gets its own shard before the one being filled, [6+2+2], [1]
        List<List<String>> names = plan.shards().stream().map(s -> List.copyOf(s.keySet())).collect(Collectors.toList());
        assertEquals(List.of(List.of("t0"), List.of("t1", "t2"), List.of("t6"), List.of("t3", "t4", "t5"),
                List.of("t7")), names);
        assertEquals("model-00003-of-00005.safetensors", plan.fileName(2));
        assertEquals(36, plan.index().totalSize());
        assertEquals("model-00003-of-00005.safetensors", plan.index().weightMap().get("t6"));
    }

    @Test
    void shardedWritesRoundTripThroughTheIndex() throws IOException {
        Map<String, HostTensor> tensors = SafetensorsReader.read(Fixtures.dir("llama-gqa").resolve("model.safetensors"));
        List<Path> files = SafetensorsWriter.writeSharded(tmp, tensors, 100_000);
        Path index = tmp.resolve("model.safetensors.index.json");
        assertEquals(index, files.get(files.size() - 1));
        assertTrue(files.size() > 3, files.toString());
        assertTrue(Files.exists(tmp.resolve(String.format("model-00001-of-%05d.safetensors", files.size() - 1))));
        assertFalse(Files.exists(tmp.resolve("model.safetensors")));
        assertSameTensors(tensors, SafetensorsReader.readSharded(index));
        assertEquals(476416, ShardIndex.read(index).totalSize());
        assertNoTemporaryFiles();
    }

    @Test
    void whatFitsOneShardIsASingleFileWithoutIndex() throws IOException {
        Map<String, HostTensor> tensors = SafetensorsReader.read(Fixtures.dir("llama-gqa").resolve("model.safetensors"));
        List<Path> files = SafetensorsWriter.writeSharded(tmp, tensors, ShardPlan.DEFAULT_MAX_SHARD_BYTES);
        assertEquals(List.of(tmp.resolve("model.safetensors")), files);
        assertSameTensors(tensors, SafetensorsReader.read(files.get(0)));
        assertNoTemporaryFiles();
    }

    @Test
    void aTensorWhoseBufferDoesNotMatchItsShapeIsRefusedAndNothingIsWritten() throws IOException {
        Map<String, HostTensor> bad = Map.of("w", tensor("F32", new long[] {2}, 1, 2, 3, 4));
        Path file = tmp.resolve("model.safetensors");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.write(file, bad));
        assertTrue(e.getMessage().contains("needs 8 bytes, its buffer holds 4"), e.getMessage());
        assertFalse(Files.exists(file));
        assertNoTemporaryFiles();
    }

    @Test
    void streamedTensorsGiveTheBytesOfHostTensorsAndAWrongSizedBodyLeavesNoFile() throws IOException {
        Path original = Fixtures.dir("llama-gqa").resolve("model.safetensors");
        Map<String, HostTensor> tensors = SafetensorsReader.read(original);
        Map<String, StreamedTensor> streamed = new LinkedHashMap<>();
        tensors.forEach((name, t) -> streamed.put(name, StreamedTensor.of(t)));
        Path copy = tmp.resolve("model.safetensors");
        SafetensorsWriter.writeStreamed(copy, streamed, SafetensorsWriter.PT_METADATA);
        assertArrayEquals(Files.readAllBytes(original), Files.readAllBytes(copy));

        Path bad = tmp.resolve("bad.safetensors");
        Map<String, StreamedTensor> short1 = Map.of("w", new StreamedTensor("F32", new long[] {2},
                out -> AtomicFile.writeFully(out, ByteBuffer.allocate(4))));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SafetensorsWriter.writeStreamed(bad, short1, SafetensorsWriter.PT_METADATA));
        assertTrue(e.getMessage().contains("wrote 4 bytes") && e.getMessage().contains("says 8"), e.getMessage());
        assertFalse(Files.exists(bad));
        assertNoTemporaryFiles();
    }

    static void assertSameTensors(Map<String, HostTensor> expected, Map<String, HostTensor> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String name : expected.keySet()) {
            assertEquals(expected.get(name).dtype(), actual.get(name).dtype(), name);
            assertArrayEquals(expected.get(name).shape(), actual.get(name).shape(), name);
            assertArrayEquals(Fixtures.bytes(expected.get(name).data()), Fixtures.bytes(actual.get(name).data()), name);
        }
    }

    private void assertNoTemporaryFiles() throws IOException {
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(List.of(), files.filter(p -> p.getFileName().toString().startsWith(".")).collect(Collectors.toList()));
        }
    }

    private static HostTensor tensor(String dtype, long[] shape, int... bytes) {
        ByteBuffer b = ByteBuffer.allocate(bytes.length);
        for (int v : bytes) {
            b.put((byte) v);
        }
        return new HostTensor(dtype, shape, b.flip());
    }
}

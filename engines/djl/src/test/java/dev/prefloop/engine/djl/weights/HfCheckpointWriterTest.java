package dev.prefloop.engine.djl.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prefloop.core.error.UsageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfCheckpointWriterTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void writesTheFixtureDirectoryAsTransformersDoes() throws IOException {
        Path fixture = Fixtures.dir("llama-gqa");
        Path tokenizer = tokenizerDir();
        Path out = tmp.resolve("ckpt");
        HfCheckpointWriter.write(checkpoint(fixture, SafetensorsReader.read(fixture.resolve("model.safetensors")),
                tokenizer), out, ShardPlan.DEFAULT_MAX_SHARD_BYTES, false);

        for (String name : List.of("config.json", "generation_config.json", "model.safetensors")) {
            assertArrayEquals(Files.readAllBytes(fixture.resolve(name)), Files.readAllBytes(out.resolve(name)), name);
        }
        assertEquals("{\"model\": {}}", Files.readString(out.resolve("tokenizer.json")));
        assertEquals("{{ messages }}", Files.readString(out.resolve("chat_template.jinja")));
        assertEquals(List.of("chat_template.jinja", "config.json", "generation_config.json", "model.safetensors",
                "tokenizer.json", "tokenizer_config.json"), listing(out));
        assertEquals(List.of("ckpt", "tokenizer"), listing(tmp));
    }

    @Test
    void bf16WeightsSetTorchDtypeAndMatchTheBf16Fixture() throws IOException {
        Path fixture = Fixtures.dir("llama-gqa");
        Map<String, HostTensor> bf16 = new LinkedHashMap<>();
        SafetensorsReader.read(fixture.resolve("model.safetensors"))
                .forEach((name, t) -> bf16.put(name, DtypeConversion.convert(t, "BF16")));
        Path out = tmp.resolve("ckpt");
        HfCheckpointWriter.write(checkpoint(fixture, bf16, null), out, ShardPlan.DEFAULT_MAX_SHARD_BYTES, false);

        Path expected = Fixtures.dir("llama-gqa-bf16");
        for (String name : List.of("config.json", "model.safetensors")) {
            assertArrayEquals(Files.readAllBytes(expected.resolve(name)), Files.readAllBytes(out.resolve(name)), name);
        }
    }

    @Test
    void aTransformers5ConfigKeepsItsDtypeKey() throws IOException {
        JsonNode config = JSON.readTree("{\"dtype\": \"float32\", \"model_type\": \"llama\"}");
        Path out = tmp.resolve("ckpt");
        HfCheckpointWriter.write(new HfCheckpointWriter.Checkpoint(config, null, Map.of("w", f16Tensor()), null),
                out, ShardPlan.DEFAULT_MAX_SHARD_BYTES, false);
        assertEquals("{\n  \"dtype\": \"float16\",\n  \"model_type\": \"llama\"\n}\n",
                Files.readString(out.resolve("config.json")));
        assertEquals("float32", config.get("dtype").asText(), "the caller's tree is not changed");
        assertFalse(Files.exists(out.resolve("generation_config.json")));
    }

    @Test
    void shardedWeightsGetAnIndex() throws IOException {
        Path fixture = Fixtures.dir("llama-gqa");
        Map<String, HostTensor> tensors = SafetensorsReader.read(fixture.resolve("model.safetensors"));
        Path out = tmp.resolve("ckpt");
        HfCheckpointWriter.write(checkpoint(fixture, tensors, null), out, 200_000, false);
        assertTrue(Files.exists(out.resolve("model.safetensors.index.json")));
        assertFalse(Files.exists(out.resolve("model.safetensors")));
        SafetensorsWriterTest.assertSameTensors(tensors,
                SafetensorsReader.readSharded(out.resolve("model.safetensors.index.json")));
    }

    @Test
    void anExistingCheckpointIsReplacedOnlyWhenAskedAndOnlyWhole() throws IOException {
        Path fixture = Fixtures.dir("llama-gqa");
        Path out = tmp.resolve("ckpt");
        Files.createDirectories(out);
        Files.writeString(out.resolve("old.txt"), "old");
        HfCheckpointWriter.Checkpoint small = new HfCheckpointWriter.Checkpoint(
                JSON.readTree("{\"model_type\": \"llama\"}"), null, Map.of("w", f16Tensor()), null);

        UsageException e = assertThrows(UsageException.class,
                () -> HfCheckpointWriter.write(small, out, ShardPlan.DEFAULT_MAX_SHARD_BYTES, false));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertEquals(List.of("old.txt"), listing(out));

        // a failure while writing leaves the old checkpoint and no temporary directory
        HfCheckpointWriter.Checkpoint broken = new HfCheckpointWriter.Checkpoint(
                JSON.readTree("{}"), null, Map.of("w", new HostTensor("F32", new long[] {3}, ByteBuffer.allocate(4))),
                fixture);
        assertThrows(IllegalArgumentException.class,
                () -> HfCheckpointWriter.write(broken, out, ShardPlan.DEFAULT_MAX_SHARD_BYTES, true));
        assertEquals(List.of("old.txt"), listing(out));
        assertEquals(List.of("ckpt"), listing(tmp));

        HfCheckpointWriter.write(small, out, ShardPlan.DEFAULT_MAX_SHARD_BYTES, true);
        assertEquals(List.of("config.json", "model.safetensors"), listing(out));
        assertEquals(List.of("ckpt"), listing(tmp));
    }

    @Test
    void anEmptyTargetDirectoryIsTakenOver() throws IOException {
        Path out = Files.createDirectories(tmp.resolve("ckpt"));
        HfCheckpointWriter.write(new HfCheckpointWriter.Checkpoint(JSON.readTree("{}"), null,
                Map.of("w", f16Tensor()), null), out, ShardPlan.DEFAULT_MAX_SHARD_BYTES, false);
        assertEquals(List.of("config.json", "model.safetensors"), listing(out));
        assertEquals("{\n  \"torch_dtype\": \"float16\"\n}\n", Files.readString(out.resolve("config.json")));
    }

    private static HfCheckpointWriter.Checkpoint checkpoint(Path fixture, Map<String, HostTensor> tensors,
            Path tokenizer) throws IOException {
        return new HfCheckpointWriter.Checkpoint(JSON.readTree(fixture.resolve("config.json").toFile()),
                JSON.readTree(fixture.resolve("generation_config.json").toFile()), tensors, tokenizer);
    }

    private Path tokenizerDir() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("tokenizer"));
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {}}");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{}");
        Files.writeString(dir.resolve("chat_template.jinja"), "{{ messages }}");
        Files.writeString(dir.resolve("notes.txt"), "not a tokenizer file");
        return dir;
    }

    private static HostTensor f16Tensor() {
        return new HostTensor("F16", new long[] {2}, ByteBuffer.allocate(4));
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }
}

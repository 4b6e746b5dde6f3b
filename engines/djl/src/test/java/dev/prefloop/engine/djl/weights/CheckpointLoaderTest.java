package dev.prefloop.engine.djl.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.engine.djl.TorchRuntime;
import dev.prefloop.engine.djl.model.ComputeDtype;
import dev.prefloop.engine.djl.model.DecoderConfig;
import dev.prefloop.engine.djl.model.DeviceSpec;
import dev.prefloop.engine.djl.model.LlamaModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A checkpoint that does not match its config.json fails with a model error naming what is wrong. */
class CheckpointLoaderTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** llama-gqa (2 layers, intermediate 160, untied) with its config.json edited. */
    private Path llamaGqaWith(Consumer<ObjectNode> edit) throws Exception {
        Path src = Path.of(CheckpointLoaderTest.class.getResource("/hf-parity/llama-gqa").toURI());
        Path dir = Files.createDirectory(tmp.resolve("model"));
        Files.copy(src.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        ObjectNode config = (ObjectNode) JSON.readTree(src.resolve("config.json").toFile());
        edit.accept(config);
        JSON.writeValue(dir.resolve("config.json").toFile(), config);
        return dir;
    }

    private static ModelException loadFails(Path dir) {
        ModelException e = assertThrows(ModelException.class,
                () -> LlamaModel.load(dir, DeviceSpec.CPU, ComputeDtype.FLOAT32).close());
        assertEquals(4, e.exitCode());
        return e;
    }

    @Test
    void missingTensorsAreNamed() throws Exception {
        String msg = loadFails(llamaGqaWith(c -> c.put("num_hidden_layers", 3))).getMessage();
        assertTrue(msg.contains("9 missing tensor(s)"), msg);
        assertTrue(msg.contains("model.layers.2.self_attn.q_proj.weight"), msg);
    }

    @Test
    void wrongShapesAreNamedWithBothShapes() throws Exception {
        String msg = loadFails(llamaGqaWith(c -> c.put("intermediate_size", 128))).getMessage();
        assertTrue(msg.contains("tensor \"model.layers.0.mlp.gate_proj.weight\" has shape [160, 64], expected [128, 64]"),
                msg);
    }

    @Test
    void unexpectedTensorsAreNamed() throws Exception {
        String msg = loadFails(llamaGqaWith(c -> c.put("num_hidden_layers", 1))).getMessage();
        assertTrue(msg.contains("9 unexpected tensor(s)"), msg);
        assertTrue(msg.contains("model.layers.1.mlp.down_proj.weight"), msg);
    }

    @Test
    void tiedConfigIgnoresAStoredLmHead() throws Exception {
        // transformers overwrites lm_head with the embedding when tie_word_embeddings is true.
        try (LlamaModel m = LlamaModel.load(llamaGqaWith(c -> c.put("tie_word_embeddings", true)), DeviceSpec.CPU,
                ComputeDtype.FLOAT32)) {
            assertTrue(!m.parameters().containsKey("lm_head.weight"));
            assertEquals(119104 - 256 * 64, m.parameterCount());
        }
    }

    @Test
    void aDirectoryWithoutWeightsSaysWhatItHolds() throws Exception {
        Path dir = llamaGqaWith(c -> { });
        Files.move(dir.resolve("model.safetensors"), dir.resolve("weights.custom"));
        String msg = loadFails(dir).getMessage();
        assertTrue(msg.contains("expected model.safetensors, model.safetensors.index.json, pytorch_model.bin or"
                + " pytorch_model.bin.index.json"), msg);
        assertTrue(msg.contains("the directory holds: config.json, weights.custom"), msg);
    }

    @Test
    void safetensorsWinsOverPytorchModelBinAsInTransformers() throws Exception {
        Path dir = llamaGqaWith(c -> { });
        Files.writeString(dir.resolve("pytorch_model.bin"), "never read: model.safetensors comes first");
        assertEquals(dir.resolve("model.safetensors"), HfWeightsReader.weightsFile(dir));
        try (LlamaModel m = LlamaModel.load(dir, DeviceSpec.CPU, ComputeDtype.FLOAT32)) {
            assertEquals(119104, m.parameterCount());
        }
    }

    @Test
    void aPytorchModelBinLoadsAsFloat16() throws Exception {
        Path dir = Path.of(CheckpointLoaderTest.class.getResource("/hf-parity/llama-gqa-bin").toURI());
        try (NDManager m = TorchRuntime.engine().newBaseManager()) {
            Map<String, Shape> expected = new LinkedHashMap<>(
                    LlamaModel.expectedShapes(DecoderConfig.read(dir)));
            Map<String, NDArray> got = CheckpointLoader.load(dir, expected, name -> false, m, DataType.FLOAT16);
            assertEquals(DataType.FLOAT16, got.get("model.norm.weight").getDataType());
            assertEquals(expected.size(), got.size());
        }
    }
}

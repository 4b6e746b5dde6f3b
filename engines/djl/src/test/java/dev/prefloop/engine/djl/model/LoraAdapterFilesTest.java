package dev.prefloop.engine.djl.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.engine.djl.weights.HostTensor;
import dev.prefloop.engine.djl.weights.SafetensorsReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adapter directories as PEFT writes and reads them, checked against the directory PEFT 0.21 itself wrote
 * (lora/peft-llama-gqa): the same tensor names, shapes and dtypes, config keys PEFT knows with its value types, and
 * a clear refusal of every LoRA variant prefloop does not compute.
 */
class LoraAdapterFilesTest {

    @TempDir
    Path tmp;

    @Test
    void anAdapterWrittenHereHasPeftsTensorNamesAndConfigKeysAndReadsBackExactly() throws Exception {
        Path peft = LoraParityTest.resource("lora/peft-llama-gqa");
        Path base = LoraParityTest.resource("hf-parity/llama-gqa");
        Path ours = tmp.resolve("ours");
        try (LlamaModel model = LlamaModel.load(base, DeviceSpec.CPU, ComputeDtype.FLOAT32);
                LoraAdapter adapter = LoraAdapter.initialise(model.config(), LoraAdapterFiles.readConfig(peft), 3,
                        model.device())) {
            LoraAdapterFiles.write(adapter, base.toString(), null, ours, false);
            Map<String, HostTensor> theirs = SafetensorsReader.read(peft.resolve(LoraAdapterFiles.WEIGHTS_FILE));
            Map<String, HostTensor> mine = SafetensorsReader.read(ours.resolve(LoraAdapterFiles.WEIGHTS_FILE));
            assertEquals(new TreeSet<>(theirs.keySet()), new TreeSet<>(mine.keySet()), "tensor names");
            for (String name : theirs.keySet()) {
                assertArrayEquals(theirs.get(name).shape(), mine.get(name).shape(), name);
                assertEquals(theirs.get(name).dtype(), mine.get(name).dtype(), name);
            }
            JsonNode theirConfig = JsonCodec.mapper().readTree(peft.resolve(LoraAdapterFiles.CONFIG_FILE).toFile());
            JsonNode myConfig = JsonCodec.mapper().readTree(ours.resolve(LoraAdapterFiles.CONFIG_FILE).toFile());
            for (Iterator<Map.Entry<String, JsonNode>> it = myConfig.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode t = theirConfig.get(e.getKey());
                assertTrue(t != null, "PEFT writes no key " + e.getKey());
                assertTrue(t.isNull() || e.getValue().isNull() || t.getNodeType() == e.getValue().getNodeType(),
                        e.getKey() + ": " + e.getValue() + " vs PEFT's " + t);
                if (!Set.of("base_model_name_or_path", "target_modules").contains(e.getKey())) {
                    assertEquals(t, e.getValue(), e.getKey());
                }
            }
            assertEquals(toSet(theirConfig.get("target_modules")), toSet(myConfig.get("target_modules")));
            String text = Files.readString(ours.resolve(LoraAdapterFiles.CONFIG_FILE));
            assertTrue(text.startsWith("{\n  \"alpha_pattern\": {\n    \"layers.0.self_attn.q_proj\": 3"), text);
            // Read back: the same factors, bit for bit.
            try (LoraAdapter back = LoraAdapterFiles.load(ours, model)) {
                for (Map.Entry<String, LoraAdapter.Factors> e : adapter.modules().entrySet()) {
                    assertArrayEquals(e.getValue().a().toFloatArray(), back.factors(e.getKey()).a().toFloatArray());
                    assertArrayEquals(e.getValue().b().toFloatArray(), back.factors(e.getKey()).b().toFloatArray());
                    assertEquals(e.getValue().scaling().getFloat(), back.factors(e.getKey()).scaling().getFloat());
                }
            }
        }
    }

    private static Set<String> toSet(JsonNode array) {
        Set<String> s = new TreeSet<>();
        array.forEach(n -> s.add(n.asText()));
        return s;
    }

    @Test
    void loraVariantsAndOtherPeftMethodsAreRefusedNamingTheKey() throws Exception {
        Path peft = LoraParityTest.resource("lora/peft-llama-gqa");
        for (String[] change : new String[][] {{"use_dora", "true"}, {"peft_type", "\"PREFIX_TUNING\""},
            {"bias", "\"all\""}, {"lora_bias", "true"}, {"layer_replication", "[[0, 1]]"},
            {"init_lora_weights", "\"mica\""}, {"task_type", "\"SEQ_2_SEQ_LM\""}}) {
            ObjectNode c = (ObjectNode) JsonCodec.mapper().readTree(peft.resolve(LoraAdapterFiles.CONFIG_FILE).toFile());
            c.set(change[0], JsonCodec.mapper().readTree(change[1]));
            Path dir = Files.createDirectories(tmp.resolve(change[0]));
            Files.writeString(dir.resolve(LoraAdapterFiles.CONFIG_FILE), c.toString());
            ModelException e = assertThrows(ModelException.class, () -> LoraAdapterFiles.readConfig(dir), change[0]);
            assertTrue(e.getMessage().contains(change[0]) && e.getMessage().contains(dir.toString()), e.getMessage());
        }
    }

    @Test
    void tensorsThatAreNotPlainLoraOrDoNotFitTheModelAreRefused() throws Exception {
        Path base = LoraParityTest.resource("hf-parity/llama-gqa");
        Path peft = LoraParityTest.resource("lora/peft-llama-gqa");
        try (LlamaModel model = LlamaModel.load(base, DeviceSpec.CPU, ComputeDtype.FLOAT32)) {
            LoraConfig config = LoraAdapterFiles.readConfig(peft);
            Map<String, HostTensor> tensors = new java.util.LinkedHashMap<>(
                    SafetensorsReader.read(peft.resolve(LoraAdapterFiles.WEIGHTS_FILE)));
            HostTensor any = tensors.values().iterator().next();
            Map<String, HostTensor> embedding = new java.util.LinkedHashMap<>(tensors);
            embedding.put("base_model.model.model.embed_tokens.lora_embedding_A", any);
            ModelException e = assertThrows(ModelException.class, () -> LoraAdapter.fromTensors(model.config(), config,
                    embedding, LlamaModel.expectedShapes(model.config()), model.device(), "f"));
            assertTrue(e.getMessage().contains("lora_embedding_A"), e.getMessage());
            Map<String, HostTensor> missing = new java.util.LinkedHashMap<>(tensors);
            missing.remove("base_model.model.model.layers.1.self_attn.k_proj.lora_A.weight");
            missing.remove("base_model.model.model.layers.1.self_attn.k_proj.lora_B.weight");
            e = assertThrows(ModelException.class, () -> LoraAdapter.fromTensors(model.config(), config, missing,
                    LlamaModel.expectedShapes(model.config()), model.device(), "f"));
            assertTrue(e.getMessage().contains("layers.1.self_attn.k_proj"), e.getMessage());
            Map<String, HostTensor> stranger = new java.util.LinkedHashMap<>(tensors);
            stranger.put("base_model.model.model.extra.weight", any);
            e = assertThrows(ModelException.class, () -> LoraAdapter.fromTensors(model.config(), config, stranger,
                    LlamaModel.expectedShapes(model.config()), model.device(), "f"));
            assertTrue(e.getMessage().contains("model.extra.weight"), e.getMessage());
        }
    }
}

package dev.prefloop.engine.djl.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.engine.djl.model.DecoderConfig;
import dev.prefloop.engine.djl.model.LlamaModel;
import dev.prefloop.engine.djl.weights.HostTensor;
import dev.prefloop.engine.djl.weights.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * RandomModelDir writes a llama model directory of a preset with random float32 weights, the
 * config torch_ref.py's --make writes (Linear and embedding weights N(0, 0.02), norm weights
 * 1 + N(0, 0.1), rms_norm_eps 1e-5, rope_theta 10000, untied). The draws come from Java, so the
 * weights differ from torch_ref's for the same seed: compare both programs on one directory.
 */
public final class RandomModelDir {

    private RandomModelDir() {}

    /** Writes config.json and model.safetensors into {@code dir} (created if absent). */
    public static void write(Path dir, ModelPreset p, long seed) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode c = json.createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("hidden_size", p.hidden);
        c.put("num_hidden_layers", p.layers);
        c.put("num_attention_heads", p.heads);
        c.put("num_key_value_heads", p.kvHeads);
        c.put("intermediate_size", p.intermediate);
        c.put("vocab_size", p.vocab);
        c.put("hidden_act", "silu");
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_theta", 10000.0);
        c.put("max_position_embeddings", 2048);
        c.put("tie_word_embeddings", false);
        c.put("attention_bias", false);
        c.put("torch_dtype", "float32");
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 2);
        try {
            Files.createDirectories(dir);
            json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), c);
            DecoderConfig config = DecoderConfig.read(dir);
            SplittableRandom random = new SplittableRandom(seed);
            Map<String, HostTensor> tensors = new LinkedHashMap<>();
            LlamaModel.expectedShapes(config).forEach((name, shape) -> {
                boolean norm = name.contains("norm");
                tensors.put(name, gaussian(shape.getShape(), norm ? 1 : 0, norm ? 0.1 : 0.02, random));
            });
            SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write the random model: " + e.getMessage(), e);
        }
    }

    private static HostTensor gaussian(long[] shape, double mean, double std, SplittableRandom random) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(n * 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < n; i += 2) {
            // Box-Muller: two normals per pair of uniforms.
            double u = 1 - random.nextDouble();
            double v = random.nextDouble();
            double r = Math.sqrt(-2 * Math.log(u));
            data.putFloat((float) (mean + std * r * Math.cos(2 * Math.PI * v)));
            if (i + 1 < n) {
                data.putFloat((float) (mean + std * r * Math.sin(2 * Math.PI * v)));
            }
        }
        data.flip();
        return new HostTensor("F32", shape, data);
    }
}

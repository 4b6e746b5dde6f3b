package dev.prefloop.engine.djl.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.engine.djl.model.DecoderConfig;
import dev.prefloop.engine.djl.model.LlamaModel;
import dev.prefloop.engine.djl.weights.HfCheckpointWriter;
import dev.prefloop.engine.djl.weights.HostTensor;
import dev.prefloop.engine.djl.weights.ShardPlan;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** TinyModel writes a random llama (hidden 64, 2 layers, vocab 48) in HF layout for training tests. */
final class TinyModel {

    static final int VOCAB = 48;

    private TinyModel() {}

    static Path write(Path dir, long seed) {
        return write(dir, seed, VOCAB, 1, 2, 0);
    }

    /** A tiny llama over {@code vocab} ids with these special ids (e.g. those of a TinyTokenizerBuilder tokenizer). */
    static Path write(Path dir, long seed, int vocab, int bos, int eos, int pad) {
        ObjectNode c = JsonCodec.mapper().createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("hidden_size", 64);
        c.put("intermediate_size", 128);
        c.put("num_hidden_layers", 2);
        c.put("num_attention_heads", 4);
        c.put("num_key_value_heads", 2);
        c.put("head_dim", 16);
        c.put("vocab_size", vocab);
        c.put("max_position_embeddings", 256);
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_theta", 10000.0);
        c.put("tie_word_embeddings", false);
        c.put("bos_token_id", bos);
        c.put("eos_token_id", eos);
        c.put("pad_token_id", pad);
        c.put("torch_dtype", "float32");
        Path configDir = dir.resolveSibling(dir.getFileName() + "-config");
        try {
            java.nio.file.Files.createDirectories(configDir);
            java.nio.file.Files.writeString(configDir.resolve("config.json"), c.toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        DecoderConfig config = DecoderConfig.read(configDir);
        Random random = new Random(seed);
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        LlamaModel.expectedShapes(config).forEach((name, shape) -> {
            long n = shape.size();
            ByteBuffer b = ByteBuffer.allocate((int) n * 4).order(ByteOrder.LITTLE_ENDIAN);
            boolean norm = name.endsWith("norm.weight");
            for (long i = 0; i < n; i++) {
                b.putFloat(norm ? 1f : (float) (random.nextGaussian() * 0.02));
            }
            tensors.put(name, new HostTensor("F32", shape.getShape(), b.flip()));
        });
        HfCheckpointWriter.write(new HfCheckpointWriter.Checkpoint(c, null, tensors, null), dir,
                ShardPlan.DEFAULT_MAX_SHARD_BYTES, false);
        return dir;
    }
}

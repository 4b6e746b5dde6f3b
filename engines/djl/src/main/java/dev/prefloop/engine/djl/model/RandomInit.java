package dev.prefloop.engine.djl.model;

import dev.prefloop.engine.djl.weights.HostTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * RandomInit makes float32 weights for a config as transformers' LlamaPreTrainedModel._init_weights
 * does (same for qwen2 and mistral): Linear and Embedding weights ~ N(0, initializer_range), biases
 * zero, the embedding row of pad_token_id zero, RMSNorm weights one.
 *
 * <p>Deterministic for a seed, on any JDK and thread count: tensor i (in checkpoint order) draws
 * from the i-th {@code split()} of {@code new SplittableRandom(seed)} (SplitMix64, a specified
 * algorithm), turning uniforms into normals by Box-Muller in Java. Tensors fill in parallel; each
 * stream belongs to one tensor, so the bytes never depend on scheduling. The values differ from
 * torch's RNG (which no Java code reproduces), so a model equals another only if both came from
 * prefloop with the same seed.
 */
public final class RandomInit {

    private RandomInit() {}

    /** Every tensor {@link LlamaModel#expectedShapes} lists, as F32 host tensors in checkpoint order. */
    public static Map<String, HostTensor> weights(DecoderConfig config, double initializerRange, long seed) {
        Map<String, ai.djl.ndarray.types.Shape> shapes = LlamaModel.expectedShapes(config);
        List<String> names = new ArrayList<>(shapes.keySet());
        SplittableRandom root = new SplittableRandom(seed);
        List<SplittableRandom> streams = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            streams.add(root.split());
        }
        HostTensor[] out = new HostTensor[names.size()];
        IntStream.range(0, names.size()).parallel().forEach(i -> {
            String name = names.get(i);
            long[] shape = shapes.get(name).getShape();
            out[i] = tensor(name, shape, config, initializerRange, streams.get(i));
        });
        Map<String, HostTensor> weights = new LinkedHashMap<>();
        for (int i = 0; i < out.length; i++) {
            weights.put(names.get(i), out[i]);
        }
        return weights;
    }

    private static HostTensor tensor(String name, long[] shape, DecoderConfig config, double std, SplittableRandom rng) {
        long numel = 1;
        for (long d : shape) {
            numel *= d;
        }
        ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(numel * 4)).order(ByteOrder.LITTLE_ENDIAN);
        FloatBuffer f = bytes.asFloatBuffer();
        int n = (int) numel;
        if (name.endsWith("norm.weight")) {
            for (int i = 0; i < n; i++) {
                f.put(i, 1f);
            }
        } else if (name.endsWith(".bias")) {
            // a fresh ByteBuffer is already zero
        } else {
            for (int i = 0; i < n; i += 2) {
                // Box-Muller: two independent N(0, 1) from two uniforms; 1 - u keeps the log finite.
                double r = Math.sqrt(-2 * Math.log(1 - rng.nextDouble()));
                double theta = 2 * Math.PI * rng.nextDouble();
                f.put(i, (float) (std * r * Math.cos(theta)));
                if (i + 1 < n) {
                    f.put(i + 1, (float) (std * r * Math.sin(theta)));
                }
            }
            if (name.equals("model.embed_tokens.weight") && config.pad_token_id() != null
                    && config.pad_token_id() >= 0 && config.pad_token_id() < shape[0]) {
                // nn.Embedding(padding_idx=pad_token_id): transformers zeroes that row after the normal init
                int row = (int) (long) config.pad_token_id();
                for (int c = 0; c < shape[1]; c++) {
                    f.put((int) (row * shape[1] + c), 0f);
                }
            }
        }
        return new HostTensor("F32", shape, bytes);
    }
}

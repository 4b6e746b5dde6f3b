package dev.prefloop.engine.djl.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.jni.JniUtils;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.engine.djl.TorchRuntime;
import dev.prefloop.engine.djl.weights.CheckpointLoader;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LlamaModel is the llama-family decoder (model_type llama, qwen2, mistral) with a causal-LM head
 * or a sequence-score head, computing what transformers' modeling_llama / qwen2 / mistral compute
 * with eager attention: pre-norm blocks of grouped-query attention with RoPE and a SwiGLU MLP.
 *
 * <p>Letters used in shape comments throughout: B batch, T query tokens, S key tokens (T here; a
 * KV cache makes it past + T), C hidden_size, H query heads, Hkv key/value heads, G = H / Hkv
 * query heads per key/value head, D head_dim, F intermediate_size, V vocab_size, L num_labels.
 *
 * <p>The families differ only in config: q/k/v biases (qwen2 always, llama with attention_bias,
 * which also biases o_proj), llama's mlp_bias, sliding windows (mistral on every layer, qwen2 by
 * layer_types) and tied embeddings. Decoding with a {@link KvCache} is the pair {@link #prefill} /
 * {@link #decodeStep}, through the same attention code. Not here: dropout (prefloop trains without
 * it), fused attention.
 *
 * <p>Native memory: every result lands on the manager of the inputs (ids and masks), never on the
 * model's, so a caller's {@code NDScope} per step frees all of a forward pass.
 */
public final class LlamaModel implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LlamaModel.class);

    /** Grouped-query self-attention: query head h reads key/value head h / G (repeat_kv). */
    static final class Attention {
        private final Linear q;
        private final Linear k;
        private final Linear v;
        private final Linear o;
        private final int heads;
        private final int kvHeads;
        private final int headDim;
        private final NDArray scale; // 0-d: head_dim^-0.5

        Attention(Linear q, Linear k, Linear v, Linear o, DecoderConfig c, NDArray scale) {
            this.q = q;
            this.k = k;
            this.v = v;
            this.o = o;
            this.heads = c.num_attention_heads();
            this.kvHeads = c.num_key_value_heads();
            this.headDim = c.head_dim();
            this.scale = scale;
        }

        /**
         * x (B, T, C), mask (B, 1, 1, T, S) -> (B, T, C). Without a cache the keys are x's own (S = T);
         * with one, the new keys and values are written to its columns [length, length + T) and the
         * queries read columns [from, to) of it (S = to - from).
         */
        NDArray forward(NDArray x, RotaryEmbedding.Angles rope, NDArray mask, CacheSlot slot) {
            return o.forward(heads(x, rope, mask, slot)); // (B, T, C)
        }

        /** {@link #forward} without the output projection: x (B, T, C) -> the heads' outputs (B, T, H*D). */
        NDArray heads(NDArray x, RotaryEmbedding.Angles rope, NDArray mask, CacheSlot slot) {
            long b = x.getShape().get(0);
            long t = x.getShape().get(1);
            int g = heads / kvHeads;
            NDArray qh = q.forward(x).reshape(b, t, heads, headDim).transpose(0, 2, 1, 3); // (B, H, T, D)
            NDArray kh = k.forward(x).reshape(b, t, kvHeads, headDim).transpose(0, 2, 1, 3); // (B, Hkv, T, D)
            NDArray vh = v.forward(x).reshape(b, t, kvHeads, headDim).transpose(0, 2, 1, 3); // (B, Hkv, T, D)
            qh = RotaryEmbedding.apply(qh, rope);
            kh = RotaryEmbedding.apply(kh, rope);
            if (slot != null) {
                slot.cache().write(slot.layer(), kh, vh);
                kh = slot.cache().keys(slot.layer(), slot.from(), slot.to()); // (B, Hkv, S, D)
                vh = slot.cache().values(slot.layer(), slot.from(), slot.to()); // (B, Hkv, S, D)
            }
            // Grouping the query heads instead of repeating the kv heads: h = kv * G + g.
            NDArray qg = qh.reshape(b, kvHeads, g, t, headDim); // (B, Hkv, G, T, D)
            NDArray kt = kh.expandDims(2).transpose(0, 1, 2, 4, 3); // (B, Hkv, 1, D, S)
            // Scaling the queries, not the scores: (B, H, T, D) is S / D times smaller than (B, H, T, S), in the
            // forward and the backward pass alike; with a power-of-two head_dim^-0.5 the result is bit-identical.
            NDArray att = qg.mul(scale).matMul(kt); // (B, Hkv, G, T, D) x (B, Hkv, 1, D, S) -> (B, Hkv, G, T, S)
            DataType dtype = att.getDataType();
            if (dtype != DataType.FLOAT32) {
                att = DtypeCast.to(att, DataType.FLOAT32); // transformers takes the softmax in float32
            }
            att = att.add(mask).softmax(4);
            if (dtype != DataType.FLOAT32) {
                att = DtypeCast.to(att, dtype);
            }
            NDArray y = att.matMul(vh.expandDims(2)); // (B, Hkv, G, T, S) x (B, Hkv, 1, S, D) -> (B, Hkv, G, T, D)
            return y.reshape(b, heads, t, headDim).transpose(0, 2, 1, 3).reshape(b, t, (long) heads * headDim); // (B, T, H*D)
        }

        /** The output projection of packed rows: (N, H*D) -> (N, C). */
        NDArray project(NDArray y) {
            return o.forward(y);
        }

        /**
         * {@link #forward} for one new token per row against a KV cache (decoding), x (B, C), mask
         * (B, 1, 1, S) or null when no key is padding -> (B, C): the same arithmetic with fewer native calls (30
         * instead of 41): q and k rotated together, no transposes of size-1 axes, grouped heads without expandDims,
         * rows without a time axis (a projection of 2 to 4 rows runs weight-major, see {@link Linear#weightMajor}).
         * A slot from column 0 ({@link CacheSlot#whole}) reads the cache's prefix views, S = the filled columns
         * rounded up to 16, its mask covering the unfilled ones: a few masked columns of arithmetic cost less than
         * slicing per layer and step.
         */
        NDArray forwardOne(NDArray x, RotaryEmbedding.Angles rope, NDArray mask, CacheSlot slot) {
            long b = x.getShape().get(0);
            int g = heads / kvHeads;
            NDArray qk = q.forward(x).concat(k.forward(x), 1)
                    .reshape(b, heads + kvHeads, 1, headDim); // (B, H+Hkv, 1, D)
            NDList rotated = RotaryEmbedding.apply(qk, rope).split(new long[] {heads}, 1); // (B, H, 1, D), (B, Hkv, 1, D)
            NDArray vh = v.forward(x).reshape(b, kvHeads, 1, headDim); // (B, Hkv, 1, D)
            KvCache cache = slot.cache();
            cache.write(slot.layer(), rotated.get(1), vh);
            NDArray keysT = slot.whole() ? cache.prefixKeysTransposed(slot.layer(), slot.to()) // (B, Hkv, D, S)
                    : cache.keys(slot.layer(), slot.from(), slot.to()).transpose(0, 1, 3, 2);
            NDArray values = slot.whole() ? cache.prefixValues(slot.layer(), slot.to()) // (B, Hkv, S, D)
                    : cache.values(slot.layer(), slot.from(), slot.to());
            NDArray qg = rotated.get(0).reshape(b, kvHeads, g, headDim); // (B, Hkv, G, D): h = kv * G + g
            NDArray att = qg.mul(scale).matMul(keysT); // (B, Hkv, G, D) x (B, Hkv, D, S) -> (B, Hkv, G, S)
            DataType dtype = att.getDataType();
            if (dtype != DataType.FLOAT32) {
                att = DtypeCast.to(att, DataType.FLOAT32);
            }
            att = (mask == null ? att : att.add(mask)).softmax(3);
            if (dtype != DataType.FLOAT32) {
                att = DtypeCast.to(att, dtype);
            }
            // (B, Hkv, G, S) x (B, Hkv, S, D) -> (B, Hkv, G, D) -> (B, H*D)
            NDArray y = att.matMul(values).reshape(b, (long) heads * headDim);
            return o.forward(y); // (B, C)
        }
    }

    /** SwiGLU: down(silu(gate(x)) * up(x)). */
    static final class Mlp {
        private final Linear gate;
        private final Linear up;
        private final Linear down;

        Mlp(Linear gate, Linear up, Linear down) {
            this.gate = gate;
            this.up = up;
            this.down = down;
        }

        /** (B, T, C) -> (B, T, C) */
        NDArray forward(NDArray x) {
            NDArray g = gate.forward(x); // (B, T, F)
            NDArray silu = g.mul(g.getNDArrayInternal().sigmoid());
            return down.forward(silu.mul(up.forward(x))); // (B, T, F) -> (B, T, C)
        }
    }

    /** A pre-norm residual block. */
    static final class Block {
        private final RmsNorm inputNorm;
        private final Attention attention;
        private final RmsNorm postAttentionNorm;
        private final Mlp mlp;
        final int window;

        Block(RmsNorm inputNorm, Attention attention, RmsNorm postAttentionNorm, Mlp mlp, int window) {
            this.inputNorm = inputNorm;
            this.attention = attention;
            this.postAttentionNorm = postAttentionNorm;
            this.mlp = mlp;
            this.window = window;
        }

        /** (B, T, C) -> (B, T, C); slot is null without a KV cache. */
        NDArray forward(NDArray x, RotaryEmbedding.Angles rope, NDArray mask, CacheSlot slot) {
            x = x.add(attention.forward(inputNorm.forward(x), rope, mask, slot));
            return x.add(mlp.forward(postAttentionNorm.forward(x)));
        }

        /**
         * Packed rows (N, C) -> (N, C): the norms, projections and MLP on the real tokens only; the attention's
         * queries, keys and values on the (B, T) grid, whose mask hides the pad cells.
         */
        NDArray forwardPacked(NDArray x, RotaryEmbedding.Angles rope, NDArray mask, PackedRows packing,
                CacheSlot slot) {
            NDArray heads = attention.heads(packing.grid(inputNorm.forward(x)), rope, mask, slot); // (B, T, H*D)
            x = x.add(attention.project(packing.packed(heads)));
            return x.add(mlp.forward(postAttentionNorm.forward(x)));
        }

        /** One decoding step: (B, C) -> (B, C), mask (B, 1, 1, S). */
        NDArray forwardOne(NDArray x, RotaryEmbedding.Angles rope, NDArray mask, CacheSlot slot) {
            x = x.add(attention.forwardOne(inputNorm.forward(x), rope, mask, slot));
            return x.add(mlp.forward(postAttentionNorm.forward(x)));
        }
    }

    /**
     * Where one layer's attention writes and reads in a KV cache: key columns [from, to), or with {@code whole}
     * the cache's prefix views from column 0 (decoding without a window cut; the mask hides the unfilled columns).
     */
    record CacheSlot(KvCache cache, int layer, int from, int to, boolean whole) {

        CacheSlot(KvCache cache, int layer, int from, int to) {
            this(cache, layer, from, to, false);
        }
    }

    private final DecoderConfig config;
    private final NDManager manager;
    private final boolean ownsWeights; // false for an adapter view: the base model frees the weights
    private final DataType dtype;
    private final Map<String, NDArray> baseParameters; // the checkpoint's tensors, shared by every view
    private final LoraAdapter adapter; // null: the base model itself
    private final Map<String, NDArray> parameters; // the base's, with any tensor the adapter replaces
    private final NDArray[] constants; // 0-d: rms_norm_eps, -0.5, head_dim^-0.5
    private final NDArray embedTokens; // (V, C)
    private final Block[] blocks;
    private final RmsNorm norm;
    private final Linear head; // lm_head (V, C), the tied embedding, or score (L, C)
    private final RotaryEmbedding rotary;

    private LlamaModel(DecoderConfig config, NDManager manager, DataType dtype, Map<String, NDArray> base,
            LoraAdapter adapter, boolean ownsWeights, NDArray[] constants) {
        this.config = config;
        this.manager = manager;
        this.ownsWeights = ownsWeights;
        this.dtype = dtype;
        this.baseParameters = Collections.unmodifiableMap(base);
        this.adapter = adapter;
        Map<String, NDArray> p = new LinkedHashMap<>(base);
        if (adapter != null) {
            for (Map.Entry<String, NDArray> e : adapter.replacedTensors().entrySet()) {
                // modules_to_save: the adapter's float32 copy, in the compute dtype
                NDArray t = e.getValue().getDataType() == dtype ? e.getValue() : e.getValue().toType(dtype, false);
                NDScope.unregister(t);
                p.put(e.getKey(), t);
            }
        }
        this.parameters = Collections.unmodifiableMap(p);
        // Native scalars: the Number overloads free their scalar while autograd may still read it. Views share
        // the base model's.
        if (constants == null) {
            constants = new NDArray[] {manager.full(new Shape(), (float) config.rms_norm_eps()),
                    manager.full(new Shape(), -0.5f), manager.full(new Shape(), (float) Math.pow(config.head_dim(), -0.5))};
            NDScope.unregister(constants); // they live as long as the model, not a caller's scope
        }
        this.constants = constants;
        NDArray eps = constants[0];
        NDArray minusHalf = constants[1];
        NDArray scale = constants[2];
        this.embedTokens = p.get("model.embed_tokens.weight");
        this.blocks = new Block[config.num_hidden_layers()];
        for (int i = 0; i < blocks.length; i++) {
            String l = "model.layers." + i + ".";
            Attention attention = new Attention(linear(p, l + "self_attn.q_proj"), linear(p, l + "self_attn.k_proj"),
                    linear(p, l + "self_attn.v_proj"), linear(p, l + "self_attn.o_proj"), config, scale);
            Mlp mlp = new Mlp(linear(p, l + "mlp.gate_proj"), linear(p, l + "mlp.up_proj"),
                    linear(p, l + "mlp.down_proj"));
            blocks[i] = new Block(new RmsNorm(p.get(l + "input_layernorm.weight"), eps, minusHalf), attention,
                    new RmsNorm(p.get(l + "post_attention_layernorm.weight"), eps, minusHalf), mlp, config.windowOf(i));
        }
        this.norm = new RmsNorm(p.get("model.norm.weight"), eps, minusHalf);
        this.head = switch (config.head()) {
            case CAUSAL_LM -> adapted("lm_head", new Linear(config.tie_word_embeddings() ? embedTokens
                    : p.get("lm_head.weight"), null));
            case SEQUENCE_CLASSIFICATION -> adapted("score", new Linear(p.get("score.weight"), null));
        };
        this.rotary = new RotaryEmbedding(config.rope(), config.head_dim(), config.max_position_embeddings());
    }

    private Linear linear(Map<String, NDArray> p, String module) {
        return adapted(module, new Linear(p.get(module + ".weight"), p.get(module + ".bias")));
    }

    private Linear adapted(String module, Linear base) {
        LoraAdapter.Factors f = adapter == null ? null : adapter.factors(module);
        return f == null ? base : base.withLora(adapter, f);
    }

    /**
     * Loads a Hugging Face model directory (config.json + weights: safetensors, sharded safetensors,
     * pytorch_model.bin or its sharded index, in transformers' order) on a device in a dtype.
     */
    public static LlamaModel load(Path modelDir, DeviceSpec device, ComputeDtype computeDtype) {
        DecoderConfig config = DecoderConfig.read(modelDir);
        Engine engine = TorchRuntime.engine();
        Device d = device.resolve(engine);
        return load(modelDir, config, d, computeDtype.resolve(d, config.torch_dtype()));
    }

    /** Loads with an explicit config, device and dtype (float32 or float16). */
    public static LlamaModel load(Path modelDir, DecoderConfig config, Device device, DataType dtype) {
        NDManager manager = TorchRuntime.engine().newBaseManager(device);
        try {
            Map<String, NDArray> p = CheckpointLoader.load(modelDir, expectedShapes(config),
                    name -> isIgnorable(config, name), manager, dtype);
            LlamaModel model = new LlamaModel(config, manager, dtype, p, null, true, null);
            LOG.info("{}: {} parameters, {} on {}", config, String.format(Locale.ROOT, "%,d", model.parameterCount()),
                    dtype, device);
            return model;
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Every tensor the checkpoint must hold, in Hugging Face names and layout. */
    public static Map<String, Shape> expectedShapes(DecoderConfig c) {
        long C = c.hidden_size();
        long qOut = (long) c.num_attention_heads() * c.head_dim();
        long kvOut = (long) c.num_key_value_heads() * c.head_dim();
        long F = c.intermediate_size();
        Map<String, Shape> s = new LinkedHashMap<>();
        s.put("model.embed_tokens.weight", new Shape(c.vocab_size(), C));
        for (int i = 0; i < c.num_hidden_layers(); i++) {
            String l = "model.layers." + i + ".";
            projection(s, l + "self_attn.q_proj", qOut, C, c.attention_bias());
            projection(s, l + "self_attn.k_proj", kvOut, C, c.attention_bias());
            projection(s, l + "self_attn.v_proj", kvOut, C, c.attention_bias());
            projection(s, l + "self_attn.o_proj", C, qOut, c.o_proj_bias());
            projection(s, l + "mlp.gate_proj", F, C, c.mlp_bias());
            projection(s, l + "mlp.up_proj", F, C, c.mlp_bias());
            projection(s, l + "mlp.down_proj", C, F, c.mlp_bias());
            s.put(l + "input_layernorm.weight", new Shape(C));
            s.put(l + "post_attention_layernorm.weight", new Shape(C));
        }
        s.put("model.norm.weight", new Shape(C));
        if (c.head() == ModelHead.SEQUENCE_CLASSIFICATION) {
            s.put("score.weight", new Shape(c.num_labels(), C));
        } else if (!c.tie_word_embeddings()) {
            s.put("lm_head.weight", new Shape(c.vocab_size(), C));
        }
        return s;
    }

    private static void projection(Map<String, Shape> s, String name, long out, long in, boolean bias) {
        s.put(name + ".weight", new Shape(out, in));
        if (bias) {
            s.put(name + ".bias", new Shape(out));
        }
    }

    /**
     * Tensors transformers also skips: rotary inv_freq buffers older checkpoints saved (they are
     * recomputed from config), and lm_head.weight when tied (the embedding replaces it).
     */
    private static boolean isIgnorable(DecoderConfig c, String name) {
        return name.endsWith(".rotary_emb.inv_freq")
                || (name.equals("lm_head.weight") && c.tie_word_embeddings() && c.head() == ModelHead.CAUSAL_LM);
    }

    /** The config the model was built from. */
    public DecoderConfig config() {
        return config;
    }

    /** The compute dtype (float32 or float16). */
    public DataType dataType() {
        return dtype;
    }

    /** The device the parameters live on. */
    public Device device() {
        return manager.getDevice();
    }

    /**
     * The parameters under their Hugging Face names, in checkpoint order; a tied lm_head is the
     * embedding and not listed twice. Set requiresGradient on them to train. For an adapter view, the
     * base's tensors with those the adapter replaces (modules_to_save); the LoRA factors are in
     * {@link #trainableParameters()}.
     */
    public Map<String, NDArray> parameters() {
        return parameters;
    }

    /**
     * This model with {@code lora} added to the layers it adapts, sharing this model's weights (nothing is copied):
     * the view is valid while both this model and the adapter are open, and closing it frees neither. A null
     * adapter gives the base model itself as a view, e.g. the reference of a LoRA run (adapter disabled).
     */
    public LlamaModel withAdapter(LoraAdapter lora) {
        if (lora != null && !lora.device().equals(device())) {
            throw new IllegalArgumentException("the adapter is on " + lora.device() + ", the model on " + device());
        }
        return new LlamaModel(config, manager, dtype, baseParameters, lora, false, constants);
    }

    /** The adapter of this view, or null for a model without one. */
    public LoraAdapter adapter() {
        return adapter;
    }

    /** What training updates: the adapter's factors when there is one (the base stays frozen), else every parameter. */
    public Map<String, NDArray> trainableParameters() {
        return adapter != null ? adapter.parameters() : parameters;
    }

    /** Training mode switches LoRA dropout on (torch's module.train()); the model has no other dropout. */
    public void setTraining(boolean on) {
        if (adapter != null) {
            adapter.setTraining(on);
        }
    }

    /** The number of scalars in {@link #parameters()}. */
    public long parameterCount() {
        long n = 0;
        for (NDArray a : parameters.values()) {
            n += a.size();
        }
        return n;
    }

    /**
     * Final-norm hidden states (B, T, C) for left-padded input ids (B, T) int64 and attention mask
     * (B, T) (1 real, 0 pad); position ids (B, T) default to cumsum(mask) - 1 with pads at 1, as
     * generate() makes them. Pad columns are never attended to; their own outputs are meaningless.
     * Under a GradientCollector keep the inputs open until backward: the embedding's backward reads
     * the ids.
     */
    public NDArray hiddenStates(NDArray inputIds, NDArray attentionMask, NDArray positionIds) {
        return hiddenStates(inputIds, attentionMask, positionIds, null);
    }

    /**
     * {@link #hiddenStates(NDArray, NDArray, NDArray)}; with {@code packing} (non-null) the projections and MLPs
     * skip the pad cells, and a pad cell's output is then a copy of another cell's: for callers that read real
     * cells only.
     */
    private NDArray hiddenStates(NDArray inputIds, NDArray attentionMask, NDArray positionIds, PackedRows packing) {
        long b = inputIds.getShape().get(0);
        int t = Math.toIntExact(inputIds.getShape().get(1));
        if (!inputIds.getDevice().equals(device())) {
            throw new IllegalArgumentException("input ids are on " + inputIds.getDevice() + ", the model on " + device());
        }
        if (!attentionMask.getShape().equals(inputIds.getShape())) {
            throw new IllegalArgumentException("attention mask " + attentionMask.getShape() + " != input ids "
                    + inputIds.getShape());
        }
        NDArray pos = positionIds != null ? positionIds : positionIds(attentionMask);
        RotaryEmbedding.Angles rope = rotary.angles(pos, dtype);
        Map<Integer, NDArray> masks = new TreeMap<>();
        if (packing != null) {
            NDArray x = packing.packed(embed(inputIds)); // (N, C)
            for (Block block : blocks) {
                NDArray mask = masks.computeIfAbsent(block.window,
                        w -> AttentionMask.additive(attentionMask, 0, t, w)); // (B, 1, 1, T, S)
                NDArray in = x;
                x = inOwnScope(() -> block.forwardPacked(in, rope, mask, packing, null));
            }
            return packing.grid(norm.forward(x)); // (B, T, C)
        }
        NDArray x = embed(inputIds); // (B, T, C)
        for (Block block : blocks) {
            NDArray mask = masks.computeIfAbsent(block.window,
                    w -> AttentionMask.additive(attentionMask, 0, t, w)); // (B, 1, 1, T, S)
            NDArray in = x;
            x = inOwnScope(() -> block.forward(in, rope, mask, null));
        }
        assert x.getShape().get(0) == b;
        return norm.forward(x);
    }

    /**
     * Final-norm hidden states (B, T, C) under a caller-built additive attention mask (B, 1, 1, T, T) (0 where a
     * query may see a key, float32's lowest value elsewhere) and explicit position ids (B, T) int64: for layouts
     * plain causal masks cannot express, such as a prompt shared by two completions that must not see each other.
     * Sliding-window layers would need their own masks, so a model with a window shorter than T is refused.
     */
    public NDArray maskedHiddenStates(NDArray inputIds, NDArray positionIds, NDArray additiveMask) {
        requireNoWindowBelow(Math.toIntExact(inputIds.getShape().get(1)));
        NDArray x = inputIds.getNDArrayInternal().embedding(inputIds, embedTokens, SparseFormat.DENSE)
                .singletonOrThrow(); // (B, T, C)
        RotaryEmbedding.Angles rope = rotary.angles(positionIds, dtype);
        for (Block block : blocks) {
            NDArray in = x;
            x = inOwnScope(() -> block.forward(in, rope, additiveMask, null));
        }
        return norm.forward(x);
    }

    /**
     * {@link #maskedHiddenStates} over the real tokens only: ids (N) int64 of the grid cells {@code packing} keeps,
     * position ids (B, T) and the mask (B, 1, 1, T, T) of the whole grid -> final-norm hidden states (N, C). Pad
     * cells cost attention columns but no projection or MLP work: with ragged rows that is most of a step's GEMMs
     * saved in proportion to the padding.
     */
    public NDArray packedHiddenStates(NDArray tokenIds, NDArray positionIds, NDArray additiveMask, PackedRows packing) {
        requireNoWindowBelow(packing.columns());
        NDArray x = embed(tokenIds); // (N, C)
        RotaryEmbedding.Angles rope = rotary.angles(positionIds, dtype);
        for (Block block : blocks) {
            NDArray in = x;
            x = inOwnScope(() -> block.forwardPacked(in, rope, additiveMask, packing, null));
        }
        return norm.forward(x);
    }

    /** Sliding-window layers would need their own masks: a caller-built mask over t columns cannot express them. */
    private void requireNoWindowBelow(int t) {
        for (Block block : blocks) {
            if (block.window > 0 && block.window < t) {
                throw new IllegalArgumentException("a custom attention mask cannot express the sliding window "
                        + block.window + " over " + t + " columns");
            }
        }
    }

    /** The causal-LM head on hidden states (..., C) -> logits (..., V), e.g. only at the positions that are scored. */
    public NDArray lmHead(NDArray hidden) {
        requireHead(ModelHead.CAUSAL_LM);
        return head.forward(hidden);
    }

    /** Next-token logits (B, T, V) of a causal LM, in the compute dtype. */
    public NDArray logits(NDArray inputIds, NDArray attentionMask, NDArray positionIds) {
        requireHead(ModelHead.CAUSAL_LM);
        return head.forward(hiddenStates(inputIds, attentionMask, positionIds)); // (B, T, C) -> (B, T, V)
    }

    /**
     * Logits and per-sequence sums of log p(token) over the tokens {@code responseMask} (B, T)
     * marks (see {@link ResponseLogps#sum}), from one pass with mask-derived position ids.
     */
    public CausalLmOutput forward(NDArray inputIds, NDArray attentionMask, NDArray responseMask) {
        NDArray logits = logits(inputIds, attentionMask, null);
        return new CausalLmOutput(logits, ResponseLogps.sum(logits, inputIds, responseMask));
    }

    /**
     * Per-sequence sums (B) float32 of the marked tokens' log-probabilities, the values {@link #forward} gives,
     * with the LM head and log-softmax run only on the columns from the first to the last marked token's
     * predecessor: a scored response is often half of a row, and the head is a quarter of a small model's FLOPs.
     */
    public NDArray responseLogps(NDArray inputIds, NDArray attentionMask, NDArray responseMask) {
        int[] span = ResponseLogps.markedSpan(responseMask);
        if (span == null) {
            return inputIds.getManager().zeros(new Shape(inputIds.getShape().get(0)), DataType.FLOAT32);
        }
        NDArray marks = responseMask.get(new NDIndex().addAllDim().addSliceDim(span[0], span[1])); // (B, to - from)
        return tokenLogps(inputIds, attentionMask, span[0], span[1], marks).sum(new int[] {1});
    }

    /**
     * Per-token log p (B, to - from) float32 of the ids in columns [from, to) that {@code marks} (B, to - from)
     * marks, 0 elsewhere, 1 &lt;= from &lt; to &lt;= T, under mask-derived positions; the head runs only on the
     * columns [from - 1, to - 1) that predict them. When every marked token is predicted from a real cell (not
     * padding), the trunk skips the pad cells ({@link PackedRows}): their values are then never read. Without
     * gradients, on the CPU with n intra-op threads, the rows run as up to n blocks at the same time
     * ({@link RowParallel}).
     */
    public NDArray tokenLogps(NDArray inputIds, NDArray attentionMask, int from, int to, NDArray marks) {
        requireHead(ModelHead.CAUSAL_LM);
        long rows = inputIds.getShape().get(0);
        // A training pass stays on its thread: its autograd graph would otherwise span threads and blocks.
        int threads = TorchRuntime.threads();
        int parts = JniUtils.isGradMode() || !rowsIndependent() ? 1 : RowParallel.blocks(device(), rows, threads);
        if (parts == 1) {
            return tokenLogpsOfRows(inputIds, attentionMask, from, to, marks);
        }
        return RowParallel.concat(parts, rows, RowParallel.threadsEach(threads, parts), (i, first, end) -> {
            NDIndex block = new NDIndex().addSliceDim(first, end);
            return tokenLogpsOfRows(inputIds.get(block), attentionMask.get(block), from, to, marks.get(block));
        });
    }

    /** {@link #tokenLogps} of every row in one pass. */
    private NDArray tokenLogpsOfRows(NDArray inputIds, NDArray attentionMask, int from, int to, NDArray marks) {
        long[] real = PackedRows.hostMask(attentionMask);
        int rows = Math.toIntExact(attentionMask.getShape().get(0));
        int columns = Math.toIntExact(attentionMask.getShape().get(1));
        PackedRows packing = predictedFromRealCells(real, columns, marks, from)
                ? PackedRows.ifWorthIt(real, rows, columns, attentionMask.getManager()) : null;
        NDArray hidden = hiddenStates(inputIds, attentionMask, null, packing); // (B, T, C)
        long b = hidden.getShape().get(0);
        long l = to - from;
        // Flattened to (B * L, C): a strided 3-D slice would make libtorch's matmul take its batched path, or not,
        // depending on whether the head's weight requires grad, and the two round differently.
        NDArray predicting = hidden.get(new NDIndex().addAllDim().addSliceDim(from - 1, to - 1))
                .reshape(b * l, hidden.getShape().get(2)); // (B * L, C)
        NDArray logits = head.forward(predicting).reshape(b, l, -1); // (B * L, C) -> (B * L, V) -> (B, L, V)
        NDArray targets = inputIds.get(new NDIndex().addAllDim().addSliceDim(from, to)); // (B, L)
        return ResponseLogps.keepMarked(ResponseLogps.ofTargets(logits, targets), marks); // (B, L)
    }

    /** Whether no marked token of columns [from, from + L) is predicted from a pad cell (column - 1 masked out). */
    private static boolean predictedFromRealCells(long[] real, int t, NDArray marks, int from) {
        int l = Math.toIntExact(marks.getShape().get(1));
        long[] marked = marks.toType(DataType.INT64, false).toLongArray();
        for (int i = 0; i < marked.length; i++) {
            if (marked[i] != 0 && real[(i / l) * t + from + i % l - 1] == 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Scores (B, L) of a sequence-classification model: the score head on the final-norm hidden
     * state of each row's rightmost token whose id is not pad_token_id (transformers'
     * GenericForSequenceClassification: the attention mask is not used; with no pad_token_id only
     * one row can be scored, at its last column).
     */
    public NDArray scores(NDArray inputIds, NDArray attentionMask) {
        requireHead(ModelHead.SEQUENCE_CLASSIFICATION);
        NDArray hidden = hiddenStates(inputIds, attentionMask, null); // (B, T, C)
        NDArray last = lastNonPadColumn(inputIds); // (B)
        long b = hidden.getShape().get(0);
        long c = hidden.getShape().get(2);
        NDArray index = last.reshape(b, 1, 1).broadcast(b, 1, c); // (B, 1, C)
        NDArray pooled = hidden.gather(index, 1).reshape(b, c); // (B, C)
        return head.forward(pooled); // (B, C) -> (B, L)
    }

    /** The pooled column per row (B) int64 that {@link #scores} reads. */
    public NDArray lastNonPadColumn(NDArray inputIds) {
        NDManager m = inputIds.getManager();
        long b = inputIds.getShape().get(0);
        int t = Math.toIntExact(inputIds.getShape().get(1));
        if (config.pad_token_id() == null) {
            if (b != 1) {
                throw new ModelException(config.architecture() + " has no pad_token_id in config.json, so only a"
                        + " batch of one sequence can be scored (got " + b + ")");
            }
            return m.full(new Shape(1), t - 1, DataType.INT64);
        }
        NDArray pad = m.full(new Shape(), config.pad_token_id(), inputIds.getDataType());
        NDArray nonPad = inputIds.neq(pad).toType(DataType.INT32, false); // (B, T)
        NDArray columns = m.arange(0, t, 1, DataType.INT32).reshape(1, t); // (1, T)
        return columns.mul(nonPad).argMax(1); // (B): rightmost non-pad column (0 when none)
    }

    /**
     * Whether a row's values do not depend on the other rows of its batch, so a batch can run as blocks of rows:
     * false with dynamic RoPE, whose frequencies follow the batch's longest row (as in transformers).
     */
    public boolean rowsIndependent() {
        return !config.rope().rope_type().equals("dynamic");
    }

    /** An empty KV cache for {@code batch} rows of up to {@code capacity} columns, on {@code parent}. */
    public KvCache newCache(NDManager parent, int batch, int capacity) {
        requireHead(ModelHead.CAUSAL_LM);
        KvCache cache = new KvCache(parent, config, dtype, batch, capacity);
        if (!config.rope().rope_type().equals("dynamic")) { // dynamic rope's frequencies depend on each call
            try (NDManager m = parent.newSubManager()) {
                NDArray positions = m.arange(0, capacity, 1, DataType.INT64).reshape(1, capacity); // (1, maxT)
                RotaryEmbedding.Angles table = rotary.angles(positions, dtype); // (1, 1, maxT, D)
                cache.setRotaryTables(table.cos().reshape(capacity, -1), table.sinSigned().reshape(capacity, -1));
            }
        }
        return cache;
    }

    /**
     * Runs a left-padded batch of prompts, ids (B, T) int64 with attention mask (B, T), into an
     * empty cache and returns the next-token logits (B, V) of the last column (the head runs on
     * that column only). Positions come from the mask as in {@link #positionIds}.
     *
     * <p>On the CPU with n intra-op threads the rows run as up to n blocks at the same time (at most one per row,
     * spare threads in the blocks' intra-op pools; {@link RowParallel}), each block writing its rows of the cache.
     */
    public NDArray prefill(KvCache cache, NDArray inputIds, NDArray attentionMask) {
        requireHead(ModelHead.CAUSAL_LM);
        if (cache.length() != 0) {
            throw new IllegalStateException("prefill needs an empty cache (" + cache.length() + " columns filled)");
        }
        if (!attentionMask.getShape().equals(inputIds.getShape()) || inputIds.getShape().get(0) != cache.batchSize()) {
            throw new IllegalArgumentException("ids " + inputIds.getShape() + ", mask " + attentionMask.getShape()
                    + ", cache rows " + cache.batchSize());
        }
        int threads = TorchRuntime.threads();
        int parts = rowsIndependent() ? RowParallel.blocks(device(), cache.batchSize(), threads) : 1;
        if (parts == 1) {
            return prefillRows(cache, inputIds, attentionMask);
        }
        KvCache[] views = new KvCache[parts];
        try {
            long rows = cache.batchSize();
            for (int i = 0; i < parts; i++) {
                views[i] = cache.rowView(RowParallel.start(i, parts, rows), RowParallel.start(i + 1, parts, rows));
            }
            NDArray logits = RowParallel.concat(parts, rows, RowParallel.threadsEach(threads, parts), (i, from, to) -> {
                NDIndex block = new NDIndex().addSliceDim(from, to);
                return prefillRows(views[i], inputIds.get(block), attentionMask.get(block));
            });
            cache.prefilledRows(views);
            return logits;
        } finally {
            for (KvCache v : views) {
                if (v != null) {
                    v.close();
                }
            }
        }
    }

    /** {@link #prefill} of every row of {@code cache} in one pass. */
    private NDArray prefillRows(KvCache cache, NDArray inputIds, NDArray attentionMask) {
        int t = Math.toIntExact(inputIds.getShape().get(1));
        NDArray x = embed(inputIds); // (B, T, C)
        RotaryEmbedding.Angles rope = rotary.angles(positionIds(attentionMask), dtype);
        Map<Integer, NDArray> masks = new TreeMap<>();
        // Ragged prompts: the projections and MLPs skip the left padding; the cache keeps the grid, whose pad
        // columns the cache's mask hides from every later step.
        PackedRows packing = PackedRows.ifWorthIt(attentionMask);
        if (packing != null) {
            x = packing.packed(x); // (N, C)
        }
        for (int i = 0; i < blocks.length; i++) {
            NDArray mask = masks.computeIfAbsent(blocks[i].window,
                    w -> AttentionMask.additive(attentionMask, 0, t, w)); // (B, 1, 1, T, T)
            CacheSlot slot = new CacheSlot(cache, i, 0, t);
            Block block = blocks[i];
            NDArray in = x;
            x = inOwnScope(() -> packing == null ? block.forward(in, rope, mask, slot)
                    : block.forwardPacked(in, rope, mask, packing, slot));
        }
        if (packing != null) {
            x = packing.grid(x); // (B, T, C)
        }
        cache.startWith(attentionMask);
        cache.advance(t, true);
        NDArray last = x.get(new NDIndex().addAllDim().addSliceDim(t - 1, t)).reshape(x.getShape().get(0), -1); // (B, C)
        return head.forward(norm.forward(last)); // (B, V)
    }

    /**
     * Feeds one token per row, ids (B) int64, after the cached columns and returns the next-token
     * logits (B, V). Each token's position is its row's count of real tokens before it; with a
     * sliding window W a layer reads only the last W columns.
     */
    public NDArray decodeStep(KvCache cache, NDArray nextIds) {
        long b = cache.batchSize();
        if (nextIds.getShape().size() != b) {
            throw new IllegalArgumentException("ids " + nextIds.getShape() + " for a cache of " + b + " rows");
        }
        int to = cache.length() + 1;
        cache.extendReal(1);
        NDArray x = embed(nextIds.getShape().dimension() == 1 ? nextIds : nextIds.reshape(b)); // (B, C)
        RotaryEmbedding.Angles rope = cache.nextAngles(); // the same values as rotary.angles, looked up
        if (rope == null) {
            rope = rotary.angles(cache.positions(), dtype);
        }
        Map<Integer, NDArray> masks = new TreeMap<>();
        for (int i = 0; i < blocks.length; i++) {
            int from = blocks[i].window > 0 ? Math.max(0, to - blocks[i].window) : 0;
            boolean whole = from == 0;
            // (B, 1, 1, W) over pads and unfilled columns of the prefix views; with a window cut, (B, 1, 1, S) over
            // the pads of the slice [from, to), or none without padding
            NDArray mask = whole ? cache.prefixMask(to)
                    : cache.needsMask() ? masks.computeIfAbsent(from, f -> cache.singleQueryMask(f, to)) : null;
            x = blocks[i].forwardOne(x, rope, mask, new CacheSlot(cache, i, from, to, whole));
        }
        cache.advance(1, false);
        return head.forward(norm.forward(x)); // (B, C) -> (B, V)
    }

    /**
     * Runs one layer in an NDScope of its own and keeps only what it returns. Torch frees a layer's temporaries as
     * soon as they are used; DJL frees them when the caller's scope closes, so a whole prefill's temporaries would
     * be live at once and every pass would write fresh, cold memory.
     */
    private static NDArray inOwnScope(Supplier<NDArray> layer) {
        NDArray out;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            out = layer.get();
            NDScope.unregister(out);
        }
        NDScope.register(out);
        return out;
    }

    private NDArray embed(NDArray ids) {
        return ids.getNDArrayInternal().embedding(ids, embedTokens, SparseFormat.DENSE).singletonOrThrow(); // (B, T, C)
    }

    /** cumsum(mask) - 1 with pad columns set to 1, (B, T) int64. */
    public static NDArray positionIds(NDArray attentionMask) {
        NDManager m = attentionMask.getManager();
        NDArray mask = attentionMask.toType(DataType.INT64, false);
        NDArray one = m.ones(new Shape(), DataType.INT64);
        NDArray real = mask.neq(m.zeros(new Shape(), DataType.INT64)); // (B, T)
        return NDArrays.where(real, mask.cumSum(1).sub(one), one);
    }

    private void requireHead(ModelHead wanted) {
        if (config.head() != wanted) {
            throw new ModelException(config.architecture() + " has a " + config.head() + " head; this needs "
                    + wanted);
        }
    }

    /** The manager holding the parameters (tests count its arrays). */
    NDManager manager() {
        return manager;
    }

    /** Frees every parameter; an adapter view frees nothing (its base model and adapter own the arrays). */
    @Override
    public void close() {
        if (ownsWeights) {
            manager.close();
        }
    }
}

package dev.prefloop.engine.djl.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.engine.djl.TorchRuntime;
import dev.prefloop.engine.djl.weights.HostTensor;
import dev.prefloop.engine.djl.weights.StorageDecoder;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * LoraAdapter is one LoRA adapter for a llama-family model: per adapted linear layer W (out, in) the factors
 * A (r, in) and B (out, r), so that the layer computes W x + s B A dropout(x) with s = alpha / r (or alpha / sqrt(r)),
 * plus any whole tensors the adapter replaces (PEFT's modules_to_save, e.g. a reward model's score head).
 *
 * <p>The factors are float32 on the adapter's own manager, whatever the base model's dtype; they are the only
 * trainable parameters of a LoRA run. Names follow PEFT's files: {@code base_model.model.MODULE.lora_A.weight}.
 * The adapter is attached with {@link LlamaModel#withAdapter}, which shares the base weights.
 */
public final class LoraAdapter implements AutoCloseable {

    /** The prefix PEFT puts before the base model's own names in adapter files. */
    public static final String PEFT_PREFIX = "base_model.model.";

    /** One adapted layer: A (r, in), B (out, r) and the scaling s as a 0-d float32 array. */
    public record Factors(String module, NDArray a, NDArray b, NDArray scaling, int rank, double alpha) {}

    private final LoraConfig config;
    private final NDManager manager;
    private final Map<String, Factors> factors;
    private final Map<String, NDArray> replaced;
    private volatile boolean training;

    private LoraAdapter(LoraConfig config, NDManager manager, Map<String, Factors> factors,
            Map<String, NDArray> replaced) {
        this.config = config;
        this.manager = manager;
        this.factors = Collections.unmodifiableMap(factors);
        this.replaced = Collections.unmodifiableMap(replaced);
    }

    /**
     * A new adapter as PEFT's default init makes it: A ~ U(-1/sqrt(in), 1/sqrt(in)) (kaiming_uniform with
     * a = sqrt(5)), B = 0, so base + adapter starts equal to the base. A is drawn in Java from a SplitMix64 stream per
     * module (in checkpoint order) of {@code seed}, so the same seed gives the same adapter on any device.
     */
    public static LoraAdapter initialise(DecoderConfig model, LoraConfig config, long seed, Device device) {
        List<LoraConfig.Target> targets = config.targets(model);
        NDManager manager = TorchRuntime.engine().newBaseManager(device);
        try {
            SplittableRandom root = new SplittableRandom(seed);
            Map<String, Factors> f = new LinkedHashMap<>();
            for (LoraConfig.Target t : targets) {
                SplittableRandom rng = root.split();
                float bound = (float) (1.0 / Math.sqrt(t.in()));
                float[] a = new float[Math.toIntExact(t.rank() * t.in())];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
                }
                NDArray aa = manager.create(a, new Shape(t.rank(), t.in()));
                NDArray bb = manager.zeros(new Shape(t.out(), t.rank()), DataType.FLOAT32);
                f.put(t.module(), factors(manager, t, aa, bb, config));
            }
            return new LoraAdapter(config, manager, f, Map.of());
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * An adapter from the tensors of a PEFT adapter file, checked against the model: every LoRA pair must belong to a
     * linear layer the config targets, with A (r, in) and B (out, r); the config's targets must all have a pair; a
     * whole tensor (modules_to_save) must replace a base parameter of the same shape. {@code where} names the file.
     */
    public static LoraAdapter fromTensors(DecoderConfig model, LoraConfig config, Map<String, HostTensor> tensors,
            Map<String, Shape> baseShapes, Device device, String where) {
        Map<String, LoraConfig.Target> targets = new LinkedHashMap<>();
        for (LoraConfig.Target t : config.targets(model)) {
            targets.put(t.module(), t);
        }
        Map<String, HostTensor> a = new LinkedHashMap<>();
        Map<String, HostTensor> b = new LinkedHashMap<>();
        Map<String, HostTensor> whole = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
            String name = e.getKey();
            if (!name.startsWith(PEFT_PREFIX)) {
                throw new ModelException(where + ": tensor \"" + name + "\" does not start with \"" + PEFT_PREFIX
                        + "\", as PEFT's adapter files name theirs");
            }
            String rest = name.substring(PEFT_PREFIX.length());
            if (rest.endsWith(".lora_A.weight")) {
                a.put(rest.substring(0, rest.length() - ".lora_A.weight".length()), e.getValue());
            } else if (rest.endsWith(".lora_B.weight")) {
                b.put(rest.substring(0, rest.length() - ".lora_B.weight".length()), e.getValue());
            } else if (rest.contains("lora_")) {
                throw new ModelException(where + ": tensor \"" + name + "\" is a LoRA variant prefloop does not"
                        + " implement (only lora_A/lora_B pairs on linear layers: no embedding LoRA, DoRA or LoRA bias)");
            } else if (baseShapes.containsKey(rest)) {
                whole.put(rest, e.getValue());
            } else {
                throw new ModelException(where + ": tensor \"" + name + "\" matches no parameter of the base model");
            }
        }
        if (!a.keySet().equals(b.keySet())) {
            throw new ModelException(where + ": lora_A and lora_B tensors do not pair up (A for " + a.keySet()
                    + ", B for " + b.keySet() + ")");
        }
        if (!a.keySet().equals(targets.keySet())) {
            List<String> missing = targets.keySet().stream().filter(k -> !a.containsKey(k)).toList();
            List<String> extra = a.keySet().stream().filter(k -> !targets.containsKey(k)).toList();
            throw new ModelException(where + ": the adapter's tensors and its adapter_config.json disagree: "
                    + (missing.isEmpty() ? "" : "no weights for targeted " + missing + " ")
                    + (extra.isEmpty() ? "" : "weights for untargeted " + extra));
        }
        NDManager manager = TorchRuntime.engine().newBaseManager(device);
        try {
            Map<String, Factors> f = new LinkedHashMap<>();
            for (LoraConfig.Target t : targets.values()) {
                HostTensor ha = a.get(t.module());
                HostTensor hb = b.get(t.module());
                int rank = Math.toIntExact(ha.shape().length == 2 ? ha.shape()[0] : -1);
                if (!Arrays.equals(ha.shape(), new long[] {t.rank(), t.in()})
                        || !Arrays.equals(hb.shape(), new long[] {t.out(), t.rank()})) {
                    throw new ModelException(where + ": " + t.module() + " has lora_A " + Arrays.toString(ha.shape())
                            + " and lora_B " + Arrays.toString(hb.shape()) + "; the model and the config's rank "
                            + t.rank() + " need [" + t.rank() + ", " + t.in() + "] and [" + t.out() + ", " + t.rank()
                            + "]" + (rank != t.rank() ? " (rank_pattern may be missing)" : ""));
                }
                f.put(t.module(), factors(manager, t, floats(manager, ha, t.module() + ".lora_A.weight", where),
                        floats(manager, hb, t.module() + ".lora_B.weight", where), config));
            }
            Map<String, NDArray> r = new LinkedHashMap<>();
            for (Map.Entry<String, HostTensor> e : whole.entrySet()) {
                Shape expected = baseShapes.get(e.getKey());
                if (!expected.equals(new Shape(e.getValue().shape()))) {
                    throw new ModelException(where + ": " + PEFT_PREFIX + e.getKey() + " has shape "
                            + Arrays.toString(e.getValue().shape()) + ", the base model's " + expected);
                }
                r.put(e.getKey(), floats(manager, e.getValue(), e.getKey(), where));
            }
            return new LoraAdapter(config, manager, f, r);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static Factors factors(NDManager manager, LoraConfig.Target t, NDArray a, NDArray b, LoraConfig config) {
        // A native scalar: a Java number would be freed while autograd may still read it (djl-notes 2.3).
        NDArray s = manager.full(new Shape(), (float) config.scaling(t.rank(), t.alpha()));
        a.setName(PEFT_PREFIX + t.module() + ".lora_A.weight");
        b.setName(PEFT_PREFIX + t.module() + ".lora_B.weight");
        NDScope.unregister(a, b, s); // they live as long as the adapter
        return new Factors(t.module(), a, b, s, t.rank(), t.alpha());
    }

    private static NDArray floats(NDManager manager, HostTensor t, String name, String where) {
        if (!StorageDecoder.isFloat(t.dtype())) {
            throw new ModelException(where + ": " + name + " is stored as " + t.dtype() + ", expected F32, F16 or BF16");
        }
        NDArray a = manager.create(new Shape(t.shape()), DataType.FLOAT32);
        if (t.numel() > 0) {
            StorageDecoder.writeFloat32(name, t, a.toByteBuffer(true));
        }
        NDScope.unregister(a);
        return a;
    }

    /** The config the adapter follows. */
    public LoraConfig config() {
        return config;
    }

    /** The factors of an adapted module ("model.layers.0.self_attn.q_proj"), or null when it is not adapted. */
    public Factors factors(String module) {
        return factors.get(module);
    }

    /** Adapted modules in checkpoint order. */
    public Map<String, Factors> modules() {
        return factors;
    }

    /** Whole base tensors the adapter replaces, by the base model's names (PEFT modules_to_save). */
    public Map<String, NDArray> replacedTensors() {
        return replaced;
    }

    /** The trainable factors under their names in PEFT's files, in checkpoint order (A before B per module). */
    public Map<String, NDArray> parameters() {
        Map<String, NDArray> p = new LinkedHashMap<>();
        for (Factors f : factors.values()) {
            p.put(f.a().getName(), f.a());
            p.put(f.b().getName(), f.b());
        }
        return p;
    }

    /** The number of scalars in the factors. */
    public long parameterCount() {
        long n = 0;
        for (NDArray a : parameters().values()) {
            n += a.size();
        }
        return n;
    }

    /** Every tensor of the adapter as float32 host tensors under PEFT's names, for adapter_model.safetensors. */
    public Map<String, HostTensor> hostTensors() {
        Map<String, HostTensor> t = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : parameters().entrySet()) {
            t.put(e.getKey(), HostTensor.float32(e.getValue()));
        }
        for (Map.Entry<String, NDArray> e : replaced.entrySet()) {
            t.put(PEFT_PREFIX + e.getKey(), HostTensor.float32(e.getValue()));
        }
        return t;
    }

    /** Whether lora_dropout applies: on only during training steps (torch's module.train()). */
    public boolean training() {
        return training;
    }

    /** Turns dropout on for training steps and off for every other forward pass. */
    public void setTraining(boolean on) {
        this.training = on;
    }

    /** The device the factors live on. */
    public Device device() {
        return manager.getDevice();
    }

    /** Frees the factors. */
    @Override
    public void close() {
        manager.close();
    }
}

package dev.prefloop.engine.djl.model;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.engine.djl.weights.HfCheckpointWriter;
import dev.prefloop.engine.djl.weights.HostTensor;
import dev.prefloop.engine.djl.weights.SafetensorsReader;
import dev.prefloop.engine.djl.weights.TorchCheckpointReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LoraAdapterFiles reads and writes adapter directories in PEFT's layout: {@code adapter_config.json} (a LoraConfig as
 * PeftConfig.save_pretrained writes it) and {@code adapter_model.safetensors} (or PEFT's older
 * {@code adapter_model.bin}, read through the restricted unpickler) with tensors named
 * {@code base_model.model.MODULE.lora_A.weight} / {@code lora_B.weight}, plus modules_to_save tensors.
 *
 * <p>Reading refuses, naming the key, every adapter_config.json setting that changes the forward pass beyond plain
 * LoRA on linear layers (DoRA, LoRA biases, embedding targets, layer replication, ...): such an adapter would
 * otherwise load and compute something else.
 */
public final class LoraAdapterFiles {

    /** The adapter's config file. */
    public static final String CONFIG_FILE = "adapter_config.json";

    /** The adapter's weights as PEFT writes them by default. */
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";

    /** PEFT's pickled weights, written with safe_serialization=False and by old versions. */
    public static final String BIN_FILE = "adapter_model.bin";

    private static final Logger LOG = LoggerFactory.getLogger(LoraAdapterFiles.class);

    /** Keys whose non-default values select a LoRA variant prefloop does not compute; value null = must be null/empty. */
    private static final Map<String, Object> UNSUPPORTED = unsupported();

    private LoraAdapterFiles() {}

    private static Map<String, Object> unsupported() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("use_dora", Boolean.FALSE);
        m.put("lora_bias", Boolean.FALSE);
        m.put("use_qalora", Boolean.FALSE);
        m.put("layer_replication", null);
        m.put("target_parameters", null);
        m.put("trainable_token_indices", null);
        m.put("alora_invocation_tokens", null);
        m.put("velora_config", null);
        m.put("use_bdlora", null);
        m.put("arrow_config", null);
        m.put("kasa_config", null);
        m.put("monteclora_config", null);
        m.put("megatron_config", null);
        return m;
    }

    /** Whether {@code dir} holds a PEFT adapter (its adapter_config.json). */
    public static boolean isAdapter(Path dir) {
        return Files.isRegularFile(dir.resolve(CONFIG_FILE));
    }

    /** The LoRA config of an adapter directory, refusing other PEFT methods and LoRA variants. */
    public static LoraConfig readConfig(Path dir) {
        Path file = dir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(file)) {
            throw new ModelException(dir + " is not a PEFT adapter directory: no " + CONFIG_FILE);
        }
        JsonNode c;
        try {
            c = JsonCodec.mapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (c == null || !c.isObject()) {
            throw new ModelException(file + ": expected a JSON object");
        }
        String type = c.path("peft_type").asText("");
        if (!type.equals("LORA")) {
            throw new ModelException(file + ": peft_type \"" + type + "\" is not supported; prefloop reads LoRA adapters"
                    + " (peft_type LORA)");
        }
        for (Map.Entry<String, Object> e : UNSUPPORTED.entrySet()) {
            JsonNode v = c.get(e.getKey());
            boolean isDefault = v == null || v.isNull() || (v.isContainerNode() && v.isEmpty())
                    || (e.getValue() instanceof Boolean b && v.isBoolean() && v.booleanValue() == b);
            if (!isDefault) {
                throw new ModelException(file + ": " + e.getKey() + " = " + v + " selects a LoRA variant prefloop does"
                        + " not implement; only plain LoRA on linear layers is supported");
            }
        }
        String bias = c.path("bias").asText("none");
        if (!bias.equals("none")) {
            throw new ModelException(file + ": bias = \"" + bias + "\" trains the base layers' biases; prefloop supports"
                    + " bias \"none\" only");
        }
        if (c.path("init_lora_weights").asText("").toLowerCase(Locale.ROOT).startsWith("mica")) {
            throw new ModelException(file + ": init_lora_weights = \"mica\" is a LoRA variant prefloop does not"
                    + " implement");
        }
        String task = c.path("task_type").asText("CAUSAL_LM");
        if (!Set.of("CAUSAL_LM", "SEQ_CLS").contains(task)) {
            throw new ModelException(file + ": task_type \"" + task + "\" is not supported (CAUSAL_LM or SEQ_CLS)");
        }
        JsonNode targets = c.get("target_modules");
        List<String> list = null;
        String regex = null;
        if (targets == null || targets.isNull()) {
            list = LoraConfig.DEFAULT_TARGETS;
        } else if (targets.isTextual()) {
            if (targets.asText().equalsIgnoreCase(LoraConfig.ALL_LINEAR)) {
                list = LoraConfig.PROJECTIONS.stream().map(p -> p.substring(p.indexOf('.') + 1)).toList();
            } else {
                regex = targets.asText();
            }
        } else if (targets.isArray()) {
            list = strings(targets, file, "target_modules");
        } else {
            throw new ModelException(file + ": target_modules must be a list of names or a regular expression");
        }
        JsonNode exclude = c.get("exclude_modules");
        List<String> excluded = exclude == null || exclude.isNull() ? null
                : exclude.isTextual() ? null : strings(exclude, file, "exclude_modules");
        if (exclude != null && exclude.isTextual()) {
            throw new ModelException(file + ": exclude_modules as a regular expression is not supported; list the"
                    + " module names");
        }
        List<Integer> layers = null;
        JsonNode lt = c.get("layers_to_transform");
        if (lt != null && !lt.isNull()) {
            layers = new ArrayList<>();
            if (lt.isInt()) {
                layers.add(lt.asInt());
            } else {
                for (JsonNode n : lt) {
                    layers.add(n.asInt());
                }
            }
        }
        JsonNode lp = c.get("layers_pattern");
        String layersPattern = lp == null || lp.isNull() ? null : lp.isTextual() ? lp.asText()
                : lp.size() == 1 ? lp.get(0).asText() : null;
        if (lp != null && lp.isArray() && lp.size() > 1) {
            throw new ModelException(file + ": layers_pattern with several names is not supported");
        }
        Map<String, Integer> rankPattern = new LinkedHashMap<>();
        c.path("rank_pattern").fields().forEachRemaining(e -> rankPattern.put(e.getKey(), e.getValue().asInt()));
        Map<String, Double> alphaPattern = new LinkedHashMap<>();
        c.path("alpha_pattern").fields().forEachRemaining(e -> alphaPattern.put(e.getKey(), e.getValue().asDouble()));
        JsonNode mts = c.get("modules_to_save");
        List<String> toSave = mts == null || mts.isNull() ? List.of() : strings(mts, file, "modules_to_save");
        try {
            return new LoraConfig(c.path("r").asInt(8), c.path("lora_alpha").asDouble(8),
                    c.path("lora_dropout").asDouble(0), list, regex, excluded, c.path("use_rslora").asBoolean(false),
                    rankPattern, alphaPattern, layers, layersPattern, toSave, task);
        } catch (RuntimeException e) {
            throw new ModelException(file + ": " + e.getMessage(), e);
        }
    }

    private static List<String> strings(JsonNode array, Path file, String key) {
        if (!array.isArray()) {
            throw new ModelException(file + ": " + key + " must be a list of names");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) {
            out.add(n.asText());
        }
        return out;
    }

    /** The adapter in {@code dir} for {@code base} (a model without adapter), on the base's device. */
    public static LoraAdapter load(Path dir, LlamaModel base) {
        return load(dir, base.config(), base.device());
    }

    /**
     * The adapter in {@code dir} for a model of config {@code model} (whose weights need not be loaded, e.g. to merge
     * them), on {@code device}.
     */
    public static LoraAdapter load(Path dir, DecoderConfig model, Device device) {
        LoraConfig config = readConfig(dir);
        if ("SEQ_CLS".equals(config.taskType()) != (model.head() == ModelHead.SEQUENCE_CLASSIFICATION)) {
            throw new ModelException(dir.resolve(CONFIG_FILE) + ": task_type " + config.taskType() + " does not fit the "
                    + model.architecture() + " base model");
        }
        Path safetensors = dir.resolve(WEIGHTS_FILE);
        Path bin = dir.resolve(BIN_FILE);
        Map<String, HostTensor> tensors;
        Path file;
        if (Files.isRegularFile(safetensors)) {
            file = safetensors;
            tensors = SafetensorsReader.read(safetensors);
        } else if (Files.isRegularFile(bin)) {
            file = bin;
            tensors = TorchCheckpointReader.read(bin);
        } else {
            throw new ModelException(dir + " has " + CONFIG_FILE + " but no " + WEIGHTS_FILE + " or " + BIN_FILE);
        }
        LoraAdapter a;
        try {
            a = LoraAdapter.fromTensors(model, config, tensors, LlamaModel.expectedShapes(model), device,
                    file.toString());
        } catch (UsageException e) {
            // a target naming no layer of this model: the adapter file is what is wrong, not the command line
            throw new ModelException(dir.resolve(CONFIG_FILE) + ": " + e.getMessage() + " (is it an adapter for"
                    + " another model?)", e);
        }
        LOG.info("LoRA adapter {}: {} modules, {} parameters{}", dir, a.modules().size(),
                String.format(Locale.ROOT, "%,d", a.parameterCount()), a.replacedTensors().isEmpty() ? ""
                        : ", replacing " + String.join(", ", a.replacedTensors().keySet()));
        return a;
    }

    /**
     * adapter_config.json for {@code config}: the keys every PEFT since 0.9 reads, as PeftModel.save_pretrained writes
     * them (inference_mode true, sorted keys, indent 2); keys of later PEFT versions take their defaults there.
     */
    public static ObjectNode configJson(LoraConfig config, String baseModel) {
        ObjectNode o = JsonCodec.mapper().createObjectNode();
        ObjectNode alpha = o.putObject("alpha_pattern");
        config.alphaPattern().forEach((k, v) -> number(alpha, k, v));
        o.putNull("auto_mapping");
        o.put("base_model_name_or_path", baseModel);
        o.put("bias", "none");
        o.put("fan_in_fan_out", false);
        o.put("inference_mode", true);
        o.put("init_lora_weights", true);
        o.put("layers_pattern", config.layersPattern()); // null when absent, as PEFT writes it
        if (config.layersToTransform() == null) {
            o.putNull("layers_to_transform");
        } else {
            ArrayNode l = o.putArray("layers_to_transform");
            config.layersToTransform().forEach(l::add);
        }
        o.putObject("loftq_config");
        number(o, "lora_alpha", config.loraAlpha());
        o.put("lora_dropout", config.loraDropout());
        o.putNull("megatron_config");
        o.put("megatron_core", "megatron.core");
        if (config.modulesToSave().isEmpty()) {
            o.putNull("modules_to_save");
        } else {
            ArrayNode m = o.putArray("modules_to_save");
            config.modulesToSave().forEach(m::add);
        }
        o.put("peft_type", "LORA");
        o.put("r", config.r());
        ObjectNode rank = o.putObject("rank_pattern");
        config.rankPattern().forEach(rank::put);
        o.putNull("revision");
        if (config.targetRegex() != null) {
            o.put("target_modules", config.targetRegex());
        } else {
            ArrayNode t = o.putArray("target_modules");
            config.targetModules().forEach(t::add);
        }
        o.put("task_type", config.taskType());
        o.put("use_dora", false);
        o.put("use_rslora", config.useRslora());
        return o;
    }

    /** PEFT's alphas are ints unless given as fractions: 16, not 16.0. */
    private static void number(ObjectNode o, String key, double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            o.put(key, (long) v);
        } else {
            o.put(key, v);
        }
    }

    /**
     * Writes {@code adapter} as a PEFT adapter directory {@code target} (adapter_config.json naming {@code baseModel},
     * adapter_model.safetensors in float32, the tokenizer files of {@code tokenizerSource} when not null), filled
     * under a temporary name and renamed into place.
     */
    public static void write(LoraAdapter adapter, String baseModel, Path tokenizerSource, Path target, boolean replace) {
        HfCheckpointWriter.writeAdapter(new HfCheckpointWriter.AdapterCheckpoint(configJson(adapter.config(), baseModel),
                adapter.hostTensors(), tokenizerSource), target, replace);
    }
}

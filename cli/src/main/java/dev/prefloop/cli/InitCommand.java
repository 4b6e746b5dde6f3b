package dev.prefloop.cli;

import dev.prefloop.engine.djl.init.InitResult;
import dev.prefloop.engine.djl.init.InitService;
import dev.prefloop.engine.djl.init.InitSettings;
import dev.prefloop.engine.djl.init.ModelPreset;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** InitCommand is {@code prefloop init}: write a randomly initialised Hugging Face model directory. */
@Command(name = "init", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Write a randomly initialised model directory from a preset or a config.json.",
        description = "Writes DIR as a Hugging Face model directory (config.json, generation_config.json, model.safetensors in float32, prefloop_manifest.json; for a preset also tokenizer.json and tokenizer_config.json), renamed into place whole. Weights are initialised as transformers does for llama/qwen2/mistral: linear and embedding weights ~ N(0, initializer_range = 0.02), biases 0, the pad_token_id embedding row 0, norm weights 1. The same seed gives the same bytes on any machine and thread count. A preset's tokenizer is the byte-level BPE of prefloop init-tokenizer learned from its built-in corpus (ids 0 <|endoftext|> pad, 1 <|bos|> bos, 2 <|im_start|>, 3 <|im_end|> eos, then the 256 byte symbols and the merges; any text round-trips) with a ChatML chat template; its ids are the first rows of the preset's vocabulary, and config.json and generation_config.json name the same pad/bos/eos ids. Presets (llama, untied): tiny = hidden 256, 4 layers, 4 heads, 2 kv heads, intermediate 688, vocab 4096 (5.0 M parameters); small = 512, 8, 8, 4, 1376, 8192 (31.6 M); base = 768, 12, 12, 4, 2048, 16384 (100.7 M). Rerunning with the same config and seed does nothing and says so.%n")
public final class InitCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--preset", paramLabel = "NAME", description = "tiny, small or base (see above).")
    String preset;

    @Option(names = "--config", paramLabel = "CONFIG.json",
            description = "A config.json (llama, qwen2 or mistral; *ForCausalLM or *ForSequenceClassification) to"
                    + " initialise instead of a preset; it is written as is, with torch_dtype float32.")
    Path config;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR",
            description = "The model directory to write; it must be absent or empty unless --force.")
    Path out;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
            description = "Seed of the weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--model-type", paramLabel = "TYPE",
            description = "With --preset: llama (default), qwen2 (q/k/v biases, initialised to 0) or mistral.")
    String modelType;

    @Option(names = "--tie", description = "With --preset: tie_word_embeddings (no lm_head.weight is stored).")
    boolean tie;

    @Option(names = "--force", description = "Redo it even if DIR holds this very model, and replace whatever DIR holds.")
    boolean force;

    @Mixin
    JsonMixin json;

    @Override
    public Integer call() {
        InitSettings settings = new InitSettings(preset == null ? null : ModelPreset.parse(preset), config, modelType,
                tie, out, seed, force);
        InitResult r = new InitService().run(settings);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("verb", "init");
        summary.put("status", r.upToDate() ? "up-to-date" : "done");
        summary.put("out", r.out());
        summary.put("architecture", r.architecture());
        summary.put("parameters", r.upToDate() ? null : r.parameters());
        summary.put("seed", seed);
        summary.put("seconds", r.seconds());
        json.print(spec.commandLine().getOut(), summary);
        return ExitCodes.OK;
    }
}

package dev.prefloop.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * LoraMixin holds the LoRA options of {@code train} and {@code sft}: TRL's ModelConfig names in kebab-case (they go
 * through the same options map as --config's use_peft, lora_r, ...), the adapter to continue, and the base's dtype.
 */
public final class LoraMixin {

    @Option(names = "--use-peft", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true", description = "Train a LoRA adapter on the frozen base instead of every weight (TRL use_peft; any --lora-* option or --adapter implies it). OUT then holds the adapter in PEFT's layout (adapter_config.json, adapter_model.safetensors).")
    String usePeft;

    @Option(names = "--lora-r", paramLabel = "R", description = "LoRA rank (default 16).")
    String loraR;

    @Option(names = "--lora-alpha", paramLabel = "A", description = "LoRA alpha; the update is scaled by alpha / r (default 32).")
    String loraAlpha;

    @Option(names = "--lora-dropout", paramLabel = "P", description = "Dropout on the adapter's input while training (default 0.05).")
    String loraDropout;

    @Option(names = {"--lora-target", "--lora-target-modules"}, paramLabel = "M[,M...]", description = "Modules to adapt: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj, lm_head, or all-linear for every projection (default q_proj,v_proj, PEFT's choice for llama, qwen2 and mistral).")
    String loraTarget;

    @Option(names = "--use-rslora", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true", description = "Rank-stabilised LoRA: scale by alpha / sqrt(r).")
    String useRslora;

    @Option(names = "--adapter", paramLabel = "DIR", description = "Continue training this PEFT LoRA adapter of --model (its adapter_config.json sets rank, alpha, dropout and targets).")
    Path adapter;

    @Option(names = "--dtype", paramLabel = "DTYPE", description = "With LoRA, the frozen base's dtype: auto (default: float16 on a GPU for a float16 checkpoint, else float32), float32, or float16 (GPU only). Adapters, gradients and AdamW state stay float32; full fine-tuning is float32 throughout.")
    String dtype;
}

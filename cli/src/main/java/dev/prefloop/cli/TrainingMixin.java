package dev.prefloop.cli;

import dev.prefloop.core.config.OptionsFile;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * TrainingMixin holds the options {@code train} and {@code sft} share: transformers' TrainingArguments in
 * kebab-case, {@code --config FILE.yaml} with the same keys, and the run's model, output and resume flags.
 * Settings fields are text: they are parsed, with --config's, by the engine's TrainingOptions.
 */
public final class TrainingMixin {

    @Option(names = "--model", paramLabel = "DIR", description = "The starting model: a Hugging Face directory (config.json, safetensors).")
    Path model;

    @Option(names = "--data", paramLabel = "DATA", description = "Training records: a file, a directory of shards or a glob (JSON Lines, Arrow, Parquet).")
    String data;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", description = "Output: the final model in Hugging Face layout, checkpoint-N directories and metrics.jsonl.")
    Path out;

    @Option(names = "--config", paramLabel = "FILE.yaml", description = "Options from a YAML file, TRL's snake_case or kebab-case names (e.g. learning_rate: 5.0e-7); the command line wins where both give one.")
    Path config;

    @Option(names = "--resume", description = "Continue from OUT's latest checkpoint-N: same options, same data, same seed give the same final weights as an uninterrupted run.")
    boolean resume;

    @Option(names = "--force", description = "Delete a non-empty OUT and start afresh.")
    boolean force;

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "auto", description = "auto, cpu or cuda[:N] (default: ${DEFAULT-VALUE}). Trained weights and optimizer state are float32.")
    String device;

    @Option(names = "--learning-rate", paramLabel = "LR", description = "Peak AdamW learning rate (train: 1e-6 as DPOConfig; sft: 2e-5 as SFTConfig).")
    String learningRate;

    @Option(names = "--num-train-epochs", paramLabel = "E", description = "Passes over the data, may be fractional (default 3); ignored with --max-steps.")
    String numTrainEpochs;

    @Option(names = "--max-steps", paramLabel = "N", description = "Optimizer steps to run; overrides --num-train-epochs (default -1: use epochs).")
    String maxSteps;

    @Option(names = "--batch-size", paramLabel = "B", description = "Examples per micro-batch, per_device_train_batch_size (default 8). An optimizer step reads B x accumulation examples.")
    String batchSize;

    @Option(names = "--gradient-accumulation-steps", paramLabel = "K", description = "Micro-batches per optimizer step (default 1).")
    String gradientAccumulationSteps;

    @Option(names = "--micro-batch-tokens", paramLabel = "T", description = "Token budget of a micro-batch, rows x padded length; larger ones are split without changing the step (default 0: no budget).")
    String microBatchTokens;

    @Option(names = "--warmup-ratio", paramLabel = "R", description = "Linear warmup over ceil(R x steps) steps (default 0).")
    String warmupRatio;

    @Option(names = "--warmup-steps", paramLabel = "N", description = "Warmup steps; overrides --warmup-ratio when > 0 (default 0).")
    String warmupSteps;

    @Option(names = "--lr-scheduler-type", paramLabel = "TYPE", description = "constant, constant_with_warmup, linear (default) or cosine, as transformers computes them.")
    String lrSchedulerType;

    @Option(names = "--max-grad-norm", paramLabel = "N", description = "Clip the global gradient norm to N (default 1.0; 0: no clipping).")
    String maxGradNorm;

    @Option(names = "--weight-decay", paramLabel = "W", description = "AdamW's decoupled weight decay on matrices; norms and biases never decay (default 0).")
    String weightDecay;

    @Option(names = "--adam-beta1", paramLabel = "B1", description = "AdamW beta1 (default 0.9).")
    String adamBeta1;

    @Option(names = "--adam-beta2", paramLabel = "B2", description = "AdamW beta2 (default 0.999).")
    String adamBeta2;

    @Option(names = "--adam-epsilon", paramLabel = "EPS", description = "AdamW epsilon (default 1e-8).")
    String adamEpsilon;

    @Option(names = "--max-length", paramLabel = "N", description = "Prompt plus completion in tokens; the completion is cut to fit (default 1024; 0: no limit).")
    String maxLength;

    @Option(names = "--max-prompt-length", paramLabel = "N", description = "Prompt tokens kept, from its end (train default 512; sft default 0: no limit).")
    String maxPromptLength;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the per-epoch shuffling (default 42).")
    String seed;

    @Option(names = "--logging-steps", paramLabel = "N", description = "One metrics.jsonl line, averaged, per N steps (default 10).")
    String loggingSteps;

    @Option(names = "--save-steps", paramLabel = "N", description = "A checkpoint-N every N steps (default 500; 0: none).")
    String saveSteps;

    @Option(names = "--max-nonfinite-steps", paramLabel = "K", description = "Stop, with a checkpoint, after K steps in a row with a non-finite loss or gradient (each is skipped; default 10).")
    String maxNonfiniteSteps;

    /** --config's options overlaid by those given on the command line, snake_case names in {@code names}. */
    Map<String, String> options(CommandSpec spec, Set<String> names) {
        Map<String, String> m = config == null ? new LinkedHashMap<>() : new LinkedHashMap<>(OptionsFile.read(config));
        for (OptionSpec o : spec.commandLine().getParseResult().matchedOptions()) {
            String key = OptionsFile.snakeCase(o.longestName());
            if (names.contains(key)) {
                // A flag without a value (--use-weighting, --packing) means true.
                m.put(key, o.stringValues().isEmpty() ? "true" : String.join(",", o.stringValues()));
            }
        }
        return m;
    }
}

package dev.prefloop.engine.djl.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.error.UsageException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * TrainingArguments: the optimisation settings under transformers/TRL's field names, with their defaults
 * (DPOConfig's learning_rate 1e-6 for preference training, SFTConfig's 2e-5 for SFT), checked once.
 *
 * @param learningRate learning_rate: the peak AdamW rate
 * @param numTrainEpochs num_train_epochs (3.0); ignored when maxSteps &gt; 0
 * @param maxSteps max_steps (-1: run num_train_epochs)
 * @param batchSize per_device_train_batch_size as {@code batch_size} (8): examples per micro-batch
 * @param gradientAccumulationSteps gradient_accumulation_steps (1): micro-batches per optimizer step
 * @param microBatchTokens prefloop's token budget per micro-batch, rows x padded length (0: none)
 * @param warmupRatio warmup_ratio (0.0): warmup as a fraction of the steps
 * @param warmupSteps warmup_steps (0): overrides warmup_ratio when &gt; 0
 * @param lrSchedulerType lr_scheduler_type (linear)
 * @param maxGradNorm max_grad_norm (1.0; 0 turns clipping off)
 * @param weightDecay weight_decay (0.0), on matrices only
 * @param adamBeta1 adam_beta1 (0.9)
 * @param adamBeta2 adam_beta2 (0.999)
 * @param adamEpsilon adam_epsilon (1e-8)
 * @param seed seed (42): shuffling
 * @param loggingSteps logging_steps (10): metrics.jsonl gets one line, averaged, per this many steps
 * @param saveSteps save_steps (500; 0: no checkpoints): a checkpoint-N every this many steps
 * @param maxLength max_length (1024): prompt plus completion, in tokens
 * @param maxPromptLength max_prompt_length (512 for preference training, 0 = none for SFT)
 * @param maxNonFiniteSteps prefloop's K (10): this many non-finite steps in a row stop the run
 */
public record TrainingArguments(
        double learningRate,
        double numTrainEpochs,
        long maxSteps,
        int batchSize,
        int gradientAccumulationSteps,
        long microBatchTokens,
        double warmupRatio,
        long warmupSteps,
        SchedulerType lrSchedulerType,
        double maxGradNorm,
        double weightDecay,
        double adamBeta1,
        double adamBeta2,
        double adamEpsilon,
        long seed,
        int loggingSteps,
        int saveSteps,
        int maxLength,
        int maxPromptLength,
        int maxNonFiniteSteps) {

    /** Checks ranges, naming the option and the value. */
    public TrainingArguments {
        positive("learning_rate", learningRate);
        require(batchSize >= 1, "batch_size", batchSize, ">= 1");
        require(gradientAccumulationSteps >= 1, "gradient_accumulation_steps", gradientAccumulationSteps, ">= 1");
        require(microBatchTokens >= 0, "micro_batch_tokens", microBatchTokens, ">= 0");
        require(warmupRatio >= 0 && warmupRatio <= 1, "warmup_ratio", warmupRatio, "in [0, 1]");
        require(warmupSteps >= 0, "warmup_steps", warmupSteps, ">= 0");
        require(Double.isFinite(maxGradNorm) && maxGradNorm >= 0, "max_grad_norm", maxGradNorm, ">= 0");
        require(Double.isFinite(weightDecay) && weightDecay >= 0, "weight_decay", weightDecay, ">= 0");
        require(adamBeta1 >= 0 && adamBeta1 < 1, "adam_beta1", adamBeta1, "in [0, 1)");
        require(adamBeta2 >= 0 && adamBeta2 < 1, "adam_beta2", adamBeta2, "in [0, 1)");
        positive("adam_epsilon", adamEpsilon);
        require(loggingSteps >= 1, "logging_steps", loggingSteps, ">= 1");
        require(saveSteps >= 0, "save_steps", saveSteps, ">= 0");
        require(maxLength >= 0, "max_length", maxLength, ">= 0 (0: no limit)");
        require(maxPromptLength >= 0, "max_prompt_length", maxPromptLength, ">= 0 (0: no limit)");
        require(maxNonFiniteSteps >= 1, "max_nonfinite_steps", maxNonFiniteSteps, ">= 1");
        if (maxSteps <= 0) {
            positive("num_train_epochs", numTrainEpochs);
        }
    }

    private static final Map<String, BiConsumer<Map<String, Object>, String>> PARSERS = new LinkedHashMap<>();

    static {
        PARSERS.put("learning_rate", (m, v) -> m.put("learning_rate", OptionText.number("learning_rate", v)));
        PARSERS.put("num_train_epochs", (m, v) -> m.put("num_train_epochs", OptionText.number("num_train_epochs", v)));
        PARSERS.put("max_steps", (m, v) -> m.put("max_steps", (long) OptionText.integer("max_steps", v)));
        PARSERS.put("batch_size", (m, v) -> m.put("batch_size", OptionText.integer("batch_size", v)));
        PARSERS.put("per_device_train_batch_size", (m, v) -> m.put("batch_size", OptionText.integer("per_device_train_batch_size", v)));
        PARSERS.put("gradient_accumulation_steps",
                (m, v) -> m.put("gradient_accumulation_steps", OptionText.integer("gradient_accumulation_steps", v)));
        PARSERS.put("micro_batch_tokens", (m, v) -> m.put("micro_batch_tokens", (long) OptionText.integer("micro_batch_tokens", v)));
        PARSERS.put("warmup_ratio", (m, v) -> m.put("warmup_ratio", OptionText.number("warmup_ratio", v)));
        PARSERS.put("warmup_steps", (m, v) -> m.put("warmup_steps", (long) OptionText.integer("warmup_steps", v)));
        PARSERS.put("lr_scheduler_type", (m, v) -> m.put("lr_scheduler_type", SchedulerType.of(v)));
        PARSERS.put("max_grad_norm", (m, v) -> m.put("max_grad_norm", OptionText.number("max_grad_norm", v)));
        PARSERS.put("weight_decay", (m, v) -> m.put("weight_decay", OptionText.number("weight_decay", v)));
        PARSERS.put("adam_beta1", (m, v) -> m.put("adam_beta1", OptionText.number("adam_beta1", v)));
        PARSERS.put("adam_beta2", (m, v) -> m.put("adam_beta2", OptionText.number("adam_beta2", v)));
        PARSERS.put("adam_epsilon", (m, v) -> m.put("adam_epsilon", OptionText.number("adam_epsilon", v)));
        PARSERS.put("seed", (m, v) -> m.put("seed", (long) OptionText.integer("seed", v)));
        PARSERS.put("logging_steps", (m, v) -> m.put("logging_steps", OptionText.integer("logging_steps", v)));
        PARSERS.put("save_steps", (m, v) -> m.put("save_steps", OptionText.integer("save_steps", v)));
        PARSERS.put("max_length", (m, v) -> m.put("max_length", OptionText.integer("max_length", v)));
        PARSERS.put("max_prompt_length", (m, v) -> m.put("max_prompt_length", OptionText.integer("max_prompt_length", v)));
        PARSERS.put("max_nonfinite_steps", (m, v) -> m.put("max_nonfinite_steps", OptionText.integer("max_nonfinite_steps", v)));
    }

    /** The snake_case names {@link #from} accepts. */
    public static Set<String> names() {
        return PARSERS.keySet();
    }

    /** DPOConfig's defaults. */
    public static TrainingArguments preferenceDefaults() {
        return from(Map.of(), false);
    }

    /** SFTConfig's defaults. */
    public static TrainingArguments sftDefaults() {
        return from(Map.of(), true);
    }

    /**
     * The arguments from snake_case name to text (the command line's and --config's options merged);
     * every key must be one of {@link #names()}.
     */
    public static TrainingArguments from(Map<String, String> options, boolean sft) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("learning_rate", sft ? 2e-5 : 1e-6);
        v.put("num_train_epochs", 3.0);
        v.put("max_steps", -1L);
        v.put("batch_size", 8);
        v.put("gradient_accumulation_steps", 1);
        v.put("micro_batch_tokens", 0L);
        v.put("warmup_ratio", 0.0);
        v.put("warmup_steps", 0L);
        v.put("lr_scheduler_type", SchedulerType.LINEAR);
        v.put("max_grad_norm", 1.0);
        v.put("weight_decay", 0.0);
        v.put("adam_beta1", 0.9);
        v.put("adam_beta2", 0.999);
        v.put("adam_epsilon", 1e-8);
        v.put("seed", 42L);
        v.put("logging_steps", 10);
        v.put("save_steps", 500);
        v.put("max_length", 1024);
        v.put("max_prompt_length", sft ? 0 : 512);
        v.put("max_nonfinite_steps", 10);
        options.forEach((name, text) -> {
            BiConsumer<Map<String, Object>, String> p = PARSERS.get(name);
            if (p == null) {
                throw new UsageException("unknown training option '" + name + "'");
            }
            p.accept(v, text.trim());
        });
        return new TrainingArguments((double) v.get("learning_rate"), (double) v.get("num_train_epochs"),
                (long) v.get("max_steps"), (int) v.get("batch_size"), (int) v.get("gradient_accumulation_steps"),
                (long) v.get("micro_batch_tokens"), (double) v.get("warmup_ratio"), (long) v.get("warmup_steps"),
                (SchedulerType) v.get("lr_scheduler_type"), (double) v.get("max_grad_norm"),
                (double) v.get("weight_decay"), (double) v.get("adam_beta1"), (double) v.get("adam_beta2"),
                (double) v.get("adam_epsilon"), (long) v.get("seed"), (int) v.get("logging_steps"),
                (int) v.get("save_steps"), (int) v.get("max_length"), (int) v.get("max_prompt_length"),
                (int) v.get("max_nonfinite_steps"));
    }

    /** The truncation these lengths imply. */
    public Truncation truncation() {
        return new Truncation(maxLength, maxPromptLength);
    }

    /** The arguments as training_args.json writes them, transformers' names. */
    public ObjectNode toJson() {
        ObjectNode o = JsonCodec.mapper().createObjectNode();
        o.put("learning_rate", learningRate);
        o.put("num_train_epochs", numTrainEpochs);
        o.put("max_steps", maxSteps);
        o.put("per_device_train_batch_size", batchSize);
        o.put("gradient_accumulation_steps", gradientAccumulationSteps);
        o.put("micro_batch_tokens", microBatchTokens);
        o.put("warmup_ratio", warmupRatio);
        o.put("warmup_steps", warmupSteps);
        o.put("lr_scheduler_type", lrSchedulerType.optionName());
        o.put("max_grad_norm", maxGradNorm);
        o.put("weight_decay", weightDecay);
        o.put("adam_beta1", adamBeta1);
        o.put("adam_beta2", adamBeta2);
        o.put("adam_epsilon", adamEpsilon);
        o.put("seed", seed);
        o.put("logging_steps", loggingSteps);
        o.put("save_steps", saveSteps);
        o.put("max_length", maxLength);
        o.put("max_prompt_length", maxPromptLength);
        o.put("max_nonfinite_steps", maxNonFiniteSteps);
        return o;
    }

    private static void positive(String name, double v) {
        require(Double.isFinite(v) && v > 0, name, v, "a finite number > 0");
    }

    private static void require(boolean ok, String name, Object value, String range) {
        if (!ok) {
            throw new UsageException(name + " must be " + range + ", got " + value);
        }
    }
}

package dev.prefloop.engine.djl.train;

import dev.prefloop.engine.djl.model.LlamaModel;
import dev.prefloop.engine.djl.model.LoraAdapterFiles;
import dev.prefloop.engine.djl.weights.HfCheckpointWriter;
import dev.prefloop.engine.djl.weights.ShardPlan;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * ModelOutput writes what a training run produced: the whole model in Hugging Face layout, or, for a LoRA run, the
 * adapter in PEFT's layout (as TRL's trainer saves a PeftModel), each with the tokenizer files beside it.
 */
final class ModelOutput {

    private ModelOutput() {}

    /** Writes {@code model}'s trained weights as directory {@code dir} (replacing it), atomically. */
    static void write(LlamaModel model, ModelFiles files, Path dir) {
        if (model.adapter() != null) {
            // PEFT records where the base came from; an absolute path still finds it after a cd
            LoraAdapterFiles.write(model.adapter(), files.tokenizerDir().toAbsolutePath().normalize().toString(),
                    files.tokenizerDir(), dir, true);
        } else {
            HfCheckpointWriter.write(new HfCheckpointWriter.Checkpoint(files.config(), files.generationConfig(),
                    TrainerCheckpoint.weights(model), files.tokenizerDir()), dir, ShardPlan.DEFAULT_MAX_SHARD_BYTES,
                    true);
        }
    }

    /** The file written last into a finished output: once it is there, the weights beside it are complete. */
    static String marker(LlamaModel model) {
        return model.adapter() != null ? LoraAdapterFiles.CONFIG_FILE : "config.json";
    }

    /** Whether {@code dir} holds a finished model or adapter. */
    static boolean isComplete(Path dir) {
        return Files.isRegularFile(dir.resolve("config.json")) || LoraAdapterFiles.isAdapter(dir);
    }
}

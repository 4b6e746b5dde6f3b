package dev.prefloop.engine.djl.init;

import dev.prefloop.core.error.UsageException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * InitSettings is everything {@code prefloop init} needs: a preset (with an optional model_type
 * and tied embeddings) or a config.json to copy, the output model directory, the seed and --force.
 */
public record InitSettings(ModelPreset preset, Path configFile, String modelType, boolean tie, Path out, long seed,
        boolean force) {

    /** The model types a preset can be written as. */
    public static final Set<String> MODEL_TYPES = Set.of("llama", "qwen2", "mistral");

    public InitSettings {
        if ((preset == null) == (configFile == null)) {
            throw new UsageException("give exactly one of --preset and --config");
        }
        if (configFile != null && (modelType != null || tie)) {
            throw new UsageException("--model-type and --tie shape a --preset; with --config set model_type and"
                    + " tie_word_embeddings in " + configFile);
        }
        if (modelType != null) {
            modelType = modelType.trim().toLowerCase(Locale.ROOT);
            if (!MODEL_TYPES.contains(modelType)) {
                throw new UsageException("--model-type " + modelType + ": expected llama, qwen2 or mistral");
            }
        }
        if (out == null) {
            throw new UsageException("--out is required");
        }
    }
}

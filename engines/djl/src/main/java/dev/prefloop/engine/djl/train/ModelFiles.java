package dev.prefloop.engine.djl.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.error.ModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * ModelFiles: what a trained checkpoint copies from the model it started from: config.json,
 * generation_config.json (when present) and the tokenizer files of the directory.
 */
public record ModelFiles(JsonNode config, JsonNode generationConfig, Path tokenizerDir) {

    /** Reads them from a Hugging Face model directory. */
    public static ModelFiles of(Path modelDir) {
        return new ModelFiles(json(modelDir.resolve("config.json")), Files.isRegularFile(
                modelDir.resolve("generation_config.json")) ? json(modelDir.resolve("generation_config.json")) : null,
                modelDir);
    }

    private static JsonNode json(Path file) {
        try {
            return JsonCodec.mapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelException(file + ": cannot read: " + e.getMessage(), e);
        }
    }
}

package dev.prefloop.engine.djl.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prefloop.core.error.ModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * GenerationConfig is what prefloop reads of a model's generation_config.json: the EOS ids
 * (eos_token_id, an int or a list) that end a sequence, and pad/bos ids. A model without the file
 * has no EOS ids here (generation then stops on stop strings and max_new_tokens only).
 */
public record GenerationConfig(Set<Long> eos_token_ids, Long pad_token_id, Long bos_token_id) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Copies the id set. */
    public GenerationConfig {
        eos_token_ids = Set.copyOf(eos_token_ids);
    }

    /** Reads {@code dir/generation_config.json}; an absent file gives no ids. */
    public static GenerationConfig read(Path modelDir) {
        Path file = modelDir.resolve("generation_config.json");
        if (!Files.isRegularFile(file)) {
            return new GenerationConfig(Set.of(), null, null);
        }
        try {
            return parse(JSON.readTree(file.toFile()), file.toString());
        } catch (IOException e) {
            throw new ModelException(file + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    /** Parses a generation_config.json root; {@code where} names the file in errors. */
    public static GenerationConfig parse(JsonNode root, String where) {
        if (root == null || !root.isObject()) {
            throw new ModelException(where + ": expected a JSON object");
        }
        Set<Long> eos = new LinkedHashSet<>();
        JsonNode e = root.get("eos_token_id");
        if (e != null && !e.isNull()) {
            if (e.isArray()) {
                for (JsonNode id : e) {
                    eos.add(id(id, where, "eos_token_id"));
                }
            } else {
                eos.add(id(e, where, "eos_token_id"));
            }
        }
        return new GenerationConfig(eos, optionalId(root, where, "pad_token_id"), optionalId(root, where, "bos_token_id"));
    }

    private static Long optionalId(JsonNode root, String where, String key) {
        JsonNode n = root.get(key);
        return n == null || n.isNull() ? null : id(n, where, key);
    }

    private static long id(JsonNode n, String where, String key) {
        if (!n.canConvertToLong() || !n.isIntegralNumber() || n.asLong() < 0) {
            throw new ModelException(where + ": " + key + " must be a non-negative integer or a list of them, got " + n);
        }
        return n.asLong();
    }
}

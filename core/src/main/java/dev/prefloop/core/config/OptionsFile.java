package dev.prefloop.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.prefloop.core.error.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * OptionsFile reads a {@code --config FILE.yaml}: a flat mapping of option names (kebab-case or TRL's
 * snake_case) to scalars or lists, returned as snake_case name to text, lists joined by commas, mappings
 * (chat_template_kwargs) as JSON text, so a TRL config carries over line by line and feeds the same
 * parsers as the command line.
 */
public final class OptionsFile {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private OptionsFile() {}

    /** The options of {@code file}; a UsageException naming the file and key for anything that is not flat. */
    public static Map<String, String> read(Path file) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file));
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new UsageException("--config " + file + ": cannot read YAML: " + why);
        }
        Map<String, String> options = new LinkedHashMap<>();
        if (root == null || root.isMissingNode() || root.isNull()) {
            return options;
        }
        if (!root.isObject()) {
            throw new UsageException("--config " + file + ": expected a mapping of option names to values");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = snakeCase(e.getKey());
            String value = text(file, e.getKey(), e.getValue());
            if (value == null) {
                continue; // key: null (or ~) means "the default", as in TRL's YAML configs
            }
            if (options.put(key, value) != null) {
                throw new UsageException("--config " + file + ": option '" + key + "' is given twice");
            }
        }
        return options;
    }

    /** An option name in snake_case: {@code --learning-rate} and {@code learning-rate} give {@code learning_rate}. */
    public static String snakeCase(String name) {
        String n = name.startsWith("--") ? name.substring(2) : name;
        return n.replace('-', '_');
    }

    private static String text(Path file, String key, JsonNode v) {
        if (v.isNull()) {
            return null;
        }
        if (v.isValueNode()) {
            return v.asText();
        }
        if (v.isArray()) {
            StringBuilder s = new StringBuilder();
            for (JsonNode item : v) {
                if (!item.isValueNode() || item.isNull()) {
                    throw new UsageException("--config " + file + ": option '" + key + "': list items must be scalars");
                }
                s.append(s.length() == 0 ? "" : ",").append(item.asText());
            }
            return s.toString();
        }
        // A mapping (TRL's chat_template_kwargs) travels as its JSON text, as the command line gives it.
        return v.toString();
    }
}

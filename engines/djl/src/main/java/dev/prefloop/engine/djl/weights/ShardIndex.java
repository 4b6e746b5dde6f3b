package dev.prefloop.engine.djl.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.error.ModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * ShardIndex is a sharded checkpoint's index file ({@code model.safetensors.index.json},
 * {@code pytorch_model.bin.index.json}): {"metadata": {"total_size": bytes}, "weight_map":
 * {tensor: shard file}}.
 */
public record ShardIndex(long totalSize, Map<String, String> weightMap) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public ShardIndex {
        weightMap = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(weightMap));
    }

    /** Reads an index; shard names must be plain file names beside it. */
    public static ShardIndex read(Path indexFile) {
        JsonNode root;
        try {
            root = JSON.readTree(indexFile.toFile());
        } catch (IOException e) {
            throw new ModelException(indexFile + ": not valid JSON: " + e.getMessage(), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new ModelException(indexFile + ": expected an object field \"weight_map\" {tensor: shard file}");
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String shard = e.getValue().asText("");
            // a shard name like "../x" would read files outside the model directory
            if (!e.getValue().isTextual() || shard.isEmpty() || shard.contains("/") || shard.contains("\\")
                    || shard.equals("..")) {
                throw new ModelException(indexFile + ": tensor \"" + e.getKey() + "\" maps to " + e.getValue()
                        + ", not a file name beside the index");
            }
            weightMap.put(e.getKey(), shard);
        }
        return new ShardIndex(root.path("metadata").path("total_size").asLong(-1), weightMap);
    }

    /**
     * The tensors of the sharded checkpoint {@code indexFile} describes, each shard read once by
     * {@code readShard}; every listed tensor must be in its shard, and every shard must exist.
     */
    public static Map<String, HostTensor> readTensors(Path indexFile, Function<Path, Map<String, HostTensor>> readShard) {
        ShardIndex index = read(indexFile);
        Map<String, Map<String, HostTensor>> shards = new HashMap<>();
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : index.weightMap().entrySet()) {
            Path shard = indexFile.resolveSibling(e.getValue());
            if (!Files.isRegularFile(shard)) {
                throw new ModelException(indexFile + ": tensor \"" + e.getKey() + "\" is in shard " + e.getValue()
                        + ", which does not exist");
            }
            HostTensor t = shards.computeIfAbsent(e.getValue(), n -> readShard.apply(shard)).get(e.getKey());
            if (t == null) {
                throw new ModelException(shard + ": tensor \"" + e.getKey() + "\" listed in "
                        + indexFile.getFileName() + " is not in this shard");
            }
            out.put(e.getKey(), t);
        }
        return out;
    }

    /** The index as transformers writes it (sorted keys, indent 2, final newline). */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("metadata").put("total_size", totalSize);
        ObjectNode map = root.putObject("weight_map");
        weightMap.forEach(map::put);
        return HfJsonWriter.write(root);
    }
}

package dev.prefloop.engine.djl.weights;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * ShardPlan assigns tensors to safetensors files and names them as transformers does:
 * {@code model.safetensors} for one shard, else {@code model-00001-of-00003.safetensors}, ...
 */
public record ShardPlan(List<Map<String, HostTensor>> shards) {

    /** The single-file name, also what transformers writes when everything fits one shard. */
    public static final String SINGLE_FILE = "model.safetensors";

    /** The index written beside several shards. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    /** transformers' default max_shard_size, "5GB" in decimal units. */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

    public ShardPlan {
        List<Map<String, HostTensor>> copy = new ArrayList<>();
        for (Map<String, HostTensor> s : shards) {
            copy.add(java.util.Collections.unmodifiableMap(new LinkedHashMap<>(s)));
        }
        shards = List.copyOf(copy);
        if (shards.isEmpty()) {
            shards = List.of(Map.of());
        }
    }

    /**
     * huggingface_hub's rule ({@code split_state_dict_into_shards_factory}): walk the tensors in
     * order, start a new shard when the next tensor would push the current one past
     * {@code maxShardBytes}, and give a tensor larger than the limit a shard of its own (placed
     * before the shard being filled).
     */
    public static ShardPlan bySize(Map<String, HostTensor> tensors, long maxShardBytes) {
        return new ShardPlan(split(tensors, t -> t.data().remaining(), maxShardBytes));
    }

    /** {@link #bySize}'s rule over any tensors whose byte sizes {@code bytes} gives. */
    public static <T> List<Map<String, T>> split(Map<String, T> tensors, ToLongFunction<T> bytes, long maxShardBytes) {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("max shard size must be positive, got " + maxShardBytes);
        }
        List<Map<String, T>> shards = new ArrayList<>();
        Map<String, T> current = new LinkedHashMap<>();
        long currentBytes = 0;
        for (Map.Entry<String, T> e : tensors.entrySet()) {
            long size = bytes.applyAsLong(e.getValue());
            if (size > maxShardBytes) {
                shards.add(Map.of(e.getKey(), e.getValue()));
                continue;
            }
            if (currentBytes + size > maxShardBytes) {
                shards.add(current);
                current = new LinkedHashMap<>();
                currentBytes = 0;
            }
            current.put(e.getKey(), e.getValue());
            currentBytes += size;
        }
        if (!current.isEmpty() || shards.isEmpty()) {
            shards.add(current);
        }
        return shards;
    }

    /** The file name of shard {@code i} (0-based). */
    public String fileName(int i) {
        return fileName(i, shards.size());
    }

    /** The file name of shard {@code i} (0-based) of {@code count}. */
    public static String fileName(int i, int count) {
        return count == 1 ? SINGLE_FILE : String.format("model-%05d-of-%05d.safetensors", i + 1, count);
    }

    /** The bytes of all tensor data, the index's total_size. */
    public long totalSize() {
        long total = 0;
        for (Map<String, HostTensor> s : shards) {
            for (HostTensor t : s.values()) {
                total += t.data().remaining();
            }
        }
        return total;
    }

    /** The index mapping each tensor to its shard file, in shard order. */
    public ShardIndex index() {
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (int i = 0; i < shards.size(); i++) {
            for (String name : shards.get(i).keySet()) {
                weightMap.put(name, fileName(i));
            }
        }
        return new ShardIndex(totalSize(), weightMap);
    }
}

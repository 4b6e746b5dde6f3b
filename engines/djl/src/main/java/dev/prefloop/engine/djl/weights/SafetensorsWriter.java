package dev.prefloop.engine.djl.weights;

import dev.prefloop.core.error.ModelException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SafetensorsWriter writes tensors byte for byte as the safetensors library does: the header
 * (compact JSON, {@code __metadata__} first, then tensors by descending dtype alignment and then
 * name, offsets back to back) padded with spaces to a multiple of 8, then the data; every file
 * is written atomically. Tensors come as HostTensors (bytes in memory or mapped) or as
 * {@link StreamedTensor}s whose bytes are computed while the file is written.
 */
public final class SafetensorsWriter {

    /** The metadata transformers' save_pretrained writes. */
    public static final Map<String, String> PT_METADATA = Map.of("format", "pt");

    private SafetensorsWriter() {}

    /** Writes one file with {"format": "pt"} metadata. */
    public static void write(Path file, Map<String, HostTensor> tensors) {
        write(file, tensors, PT_METADATA);
    }

    /** Writes one file; {@code metadata} may be empty, in which case no __metadata__ entry is written. */
    public static void write(Path file, Map<String, HostTensor> tensors, Map<String, String> metadata) {
        Map<String, StreamedTensor> streamed = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
            check(file, e.getKey(), e.getValue());
            streamed.put(e.getKey(), StreamedTensor.of(e.getValue()));
        }
        writeStreamed(file, streamed, metadata);
    }

    /**
     * Writes one file whose tensors are produced as they are written, in the file's order (see the class comment);
     * a body that writes more or fewer bytes than its tensor's size fails the write and leaves no file.
     */
    public static void writeStreamed(Path file, Map<String, StreamedTensor> tensors, Map<String, String> metadata) {
        List<Map.Entry<String, StreamedTensor>> ordered = new ArrayList<>(tensors.entrySet());
        // the library sorts by dtype (descending alignment) then name, comparing names as UTF-8 bytes
        ordered.sort(Comparator.<Map.Entry<String, StreamedTensor>, SafetensorsDtype>comparing(
                e -> SafetensorsDtype.of(e.getValue().dtype()), Comparator.reverseOrder())
                .thenComparing(e -> e.getKey().getBytes(StandardCharsets.UTF_8), Arrays::compareUnsigned));
        byte[] header = header(ordered, metadata);
        try {
            AtomicFile.write(file, out -> {
                AtomicFile.writeFully(out, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(0, header.length));
                AtomicFile.writeFully(out, ByteBuffer.wrap(header));
                for (Map.Entry<String, StreamedTensor> e : ordered) {
                    long start = out.position();
                    e.getValue().body().write(out);
                    long written = out.position() - start;
                    if (written != e.getValue().byteSize()) {
                        throw new IllegalStateException("tensor \"" + e.getKey() + "\" wrote " + written
                                + " bytes to " + file + ", its header says " + e.getValue().byteSize());
                    }
                }
            });
        } catch (IOException e) {
            throw new ModelException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@link #writeStreamed} split into shards as {@link #writeSharded} splits: {@code model.safetensors} alone when
     * everything fits, else shards plus {@code model.safetensors.index.json} (written last). Returns the files.
     */
    public static List<Path> writeShardedStreamed(Path dir, Map<String, StreamedTensor> tensors, long maxShardBytes) {
        List<Map<String, StreamedTensor>> shards = ShardPlan.split(tensors, StreamedTensor::byteSize, maxShardBytes);
        List<Path> written = new ArrayList<>();
        Map<String, String> weightMap = new LinkedHashMap<>();
        long total = 0;
        for (int i = 0; i < shards.size(); i++) {
            String name = ShardPlan.fileName(i, shards.size());
            writeStreamed(dir.resolve(name), shards.get(i), PT_METADATA);
            written.add(dir.resolve(name));
            for (Map.Entry<String, StreamedTensor> e : shards.get(i).entrySet()) {
                weightMap.put(e.getKey(), name);
                total += e.getValue().byteSize();
            }
        }
        if (shards.size() > 1) {
            Path index = dir.resolve(ShardPlan.INDEX_FILE);
            try {
                AtomicFile.writeString(index, new ShardIndex(total, weightMap).toJson());
            } catch (IOException e) {
                throw new ModelException("cannot write " + index + ": " + e.getMessage(), e);
            }
            written.add(index);
        }
        return written;
    }

    /**
     * Writes {@code tensors} into {@code dir} split by transformers' rule at {@code maxShardBytes}:
     * {@code model.safetensors} alone when it fits, else shards plus {@code model.safetensors.index.json}
     * (written last). Returns the files written.
     */
    public static List<Path> writeSharded(Path dir, Map<String, HostTensor> tensors, long maxShardBytes) {
        return writeShards(dir, ShardPlan.bySize(tensors, maxShardBytes));
    }

    /** Writes the shards of {@code plan} into {@code dir}, and the index when there are several. */
    public static List<Path> writeShards(Path dir, ShardPlan plan) {
        Set<String> seen = new HashSet<>();
        for (Map<String, HostTensor> shard : plan.shards()) {
            for (String name : shard.keySet()) {
                if (!seen.add(name)) {
                    throw new IllegalArgumentException("tensor \"" + name + "\" is in two shards");
                }
            }
        }
        List<Path> written = new ArrayList<>();
        for (int i = 0; i < plan.shards().size(); i++) {
            Path file = dir.resolve(plan.fileName(i));
            write(file, plan.shards().get(i));
            written.add(file);
        }
        if (plan.shards().size() > 1) {
            Path index = dir.resolve(ShardPlan.INDEX_FILE);
            try {
                AtomicFile.writeString(index, plan.index().toJson());
            } catch (IOException e) {
                throw new ModelException("cannot write " + index + ": " + e.getMessage(), e);
            }
            written.add(index);
        }
        return written;
    }

    private static void check(Path file, String name, HostTensor t) {
        SafetensorsDtype dtype;
        try {
            dtype = SafetensorsDtype.of(t.dtype());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot write tensor \"" + name + "\" to " + file + ": dtype \""
                    + t.dtype() + "\" is not a safetensors dtype");
        }
        long expected = Math.multiplyExact(t.numel(), dtype.byteSize());
        if (t.data().remaining() != expected) {
            throw new IllegalArgumentException("cannot write tensor \"" + name + "\" to " + file + ": " + t
                    + " needs " + expected + " bytes, its buffer holds " + t.data().remaining());
        }
    }

    /** serde_json's compact form of the header, then spaces up to a multiple of 8 bytes. */
    private static byte[] header(List<Map.Entry<String, StreamedTensor>> ordered, Map<String, String> metadata) {
        StringBuilder json = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            json.append("\"__metadata__\":{");
            boolean first = true;
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                json.append(first ? "" : ",");
                string(m.getKey(), json).append(':');
                string(m.getValue(), json);
                first = false;
            }
            json.append('}');
        }
        long offset = 0;
        for (Map.Entry<String, StreamedTensor> e : ordered) {
            StreamedTensor t = e.getValue();
            long end = offset + t.byteSize();
            json.append(json.length() == 1 ? "" : ",");
            string(e.getKey(), json).append(":{\"dtype\":\"").append(t.dtype()).append("\",\"shape\":[");
            for (int i = 0; i < t.shape().length; i++) {
                json.append(i == 0 ? "" : ",").append(t.shape()[i]);
            }
            json.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        json.append('}');
        byte[] raw = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (raw.length + 7) / 8 * 8;
        byte[] header = Arrays.copyOf(raw, padded);
        Arrays.fill(header, raw.length, padded, (byte) ' ');
        return header;
    }

    /** serde_json's string escaping: quote, backslash and control characters only; UTF-8 passes through. */
    private static StringBuilder string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"');
    }
}

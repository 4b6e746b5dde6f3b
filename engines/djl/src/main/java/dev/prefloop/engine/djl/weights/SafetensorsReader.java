package dev.prefloop.engine.djl.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prefloop.core.error.ModelException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SafetensorsReader memory-maps safetensors files (a u64 little-endian header length, a JSON
 * header of {name: {dtype, shape, data_offsets}}, then raw little-endian bytes) and returns their
 * tensors as slices of the mapping; a sharded checkpoint is read through its index file.
 */
public final class SafetensorsReader {

    /** Headers larger than this are refused, as the reference implementation does (100 MB). */
    private static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

    private SafetensorsReader() {}

    /** The tensors of one file, in header order; the "__metadata__" entry is skipped. */
    public static Map<String, HostTensor> read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw bad(file, "file is " + size + " bytes, shorter than the 8-byte header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES || 8 + headerLen > size) {
                throw bad(file, "header length " + headerLen + " does not fit a file of " + size + " bytes");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(ch, header, 8);
            JsonNode root;
            try {
                root = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw bad(file, "header is not valid JSON: " + e.getMessage());
            }
            if (root == null || !root.isObject()) {
                throw bad(file, "header is not a JSON object");
            }
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            Map<String, HostTensor> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                out.put(e.getKey(), tensor(file, e.getKey(), e.getValue(), ch, dataStart, dataLen));
            }
            return out;
        } catch (IOException e) {
            throw new ModelException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The tensors of a sharded checkpoint: {@code model.safetensors.index.json}'s weight_map names
     * the shard of every tensor; every listed tensor must be in its shard.
     */
    public static Map<String, HostTensor> readSharded(Path indexFile) {
        return ShardIndex.readTensors(indexFile, SafetensorsReader::read);
    }

    private static HostTensor tensor(Path file, String name, JsonNode spec, FileChannel ch, long dataStart,
            long dataLen) throws IOException {
        String dtype = spec.path("dtype").asText("");
        int elemBytes;
        try {
            elemBytes = SafetensorsDtype.of(dtype).byteSize();
        } catch (IllegalArgumentException e) {
            throw bad(file, "tensor \"" + name + "\" has unknown dtype \"" + dtype + "\"");
        }
        JsonNode shapeNode = spec.path("shape");
        JsonNode offsets = spec.path("data_offsets");
        if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
            throw bad(file, "tensor \"" + name + "\" needs \"shape\" [..] and \"data_offsets\" [begin, end]");
        }
        long[] shape = new long[shapeNode.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asLong(-1);
            if (shape[i] < 0) {
                throw bad(file, "tensor \"" + name + "\" has a negative or non-integer dimension");
            }
            numel *= shape[i];
        }
        long begin = offsets.get(0).asLong(-1);
        long end = offsets.get(1).asLong(-1);
        if (begin < 0 || end < begin || end > dataLen) {
            throw bad(file, "tensor \"" + name + "\" has data_offsets [" + begin + ", " + end
                    + "] outside the data section of " + dataLen + " bytes");
        }
        if (end - begin != numel * elemBytes) {
            throw bad(file, "tensor \"" + name + "\" has " + (end - begin) + " bytes, but " + dtype + " of shape "
                    + java.util.Arrays.toString(shape) + " needs " + numel * elemBytes);
        }
        if (end - begin > Integer.MAX_VALUE) {
            throw bad(file, "tensor \"" + name + "\" is larger than 2 GiB, which one Java mapping cannot address");
        }
        // One mapping per tensor: shards of real checkpoints are often larger than the 2 GiB one
        // mapping can address. A mapping stays valid after the channel closes.
        MappedByteBuffer slice = ch.map(FileChannel.MapMode.READ_ONLY, dataStart + begin, end - begin);
        return new HostTensor(dtype, shape, slice);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    private static ModelException bad(Path file, String what) {
        return new ModelException(file + ": not a valid safetensors file: " + what);
    }
}

package dev.prefloop.engine.djl.weights;

import dev.prefloop.core.error.ModelException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * TorchCheckpointReader reads {@code pytorch_model.bin} state dicts in torch.save's zip format
 * ({@code <dir>/data.pkl} plus one {@code <dir>/data/<key>} record per storage) through a
 * {@link RestrictedUnpickler}, so a checkpoint can only ever yield tensors; the legacy pre-1.6
 * formats are refused with a way out.
 */
public final class TorchCheckpointReader {

    /** torch's legacy format starts with the pickled magic number 0x1950a86a20f9469cfc6c (protocol 2, LONG1). */
    private static final byte[] LEGACY_MAGIC = {
        (byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a,
        (byte) 0xa8, 0x50, 0x19};

    /** data.pkl holds only names and tensor metadata; a larger one is not a state dict worth trusting. */
    private static final long MAX_PICKLE_BYTES = 1L << 30;

    private TorchCheckpointReader() {}

    /** The tensors of one checkpoint file, in the state dict's order. */
    public static Map<String, HostTensor> read(Path file) {
        refuseLegacyFormats(file);
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String dir = archiveDir(zip, file);
            ByteOrder order = byteOrder(zip, dir, file);
            byte[] pickle = record(zip, dir + "data.pkl", MAX_PICKLE_BYTES, file);
            Object root = new RestrictedUnpickler(pickle, file.toString()).load();
            if (!(root instanceof Map<?, ?> stateDict)) {
                throw new ModelException(file + ": the pickle holds " + (root == null ? "None" : "a list or tuple")
                        + ", not a state dict {name: tensor}");
            }
            Map<String, ByteBuffer> storages = new HashMap<>();
            Map<String, HostTensor> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : stateDict.entrySet()) {
                if (!(e.getKey() instanceof String name) || !(e.getValue() instanceof TorchTensorRef t)) {
                    throw new ModelException(file + ": entry " + e.getKey() + " is not a tensor; a pytorch_model.bin"
                            + " must be a flat state dict {name: tensor}");
                }
                String invalid = t.invalidReason();
                if (invalid != null) {
                    throw new ModelException(file + ": tensor \"" + name + "\": " + invalid);
                }
                int elemBytes = SafetensorsDtype.of(t.storage().dtype()).byteSize();
                ByteBuffer storage = storages.get(t.storage().key());
                if (storage == null) {
                    storage = storage(zip, dir, t.storage(), elemBytes, order, file);
                    storages.put(t.storage().key(), storage);
                }
                out.put(name, new HostTensor(t.storage().dtype(), t.size().clone(), t.bytes(storage, elemBytes)));
            }
            return out;
        } catch (IOException e) {
            throw new ModelException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The tensors of a sharded checkpoint: {@code pytorch_model.bin.index.json}'s weight_map
     * names the shard of every tensor; each shard is read once.
     */
    public static Map<String, HostTensor> readSharded(Path indexFile) {
        return ShardIndex.readTensors(indexFile, TorchCheckpointReader::read);
    }

    private static void refuseLegacyFormats(Path file) {
        byte[] head = new byte[512];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            throw new ModelException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return;
        }
        String legacy = null;
        if (n >= LEGACY_MAGIC.length && java.util.Arrays.equals(head, 0, LEGACY_MAGIC.length, LEGACY_MAGIC, 0,
                LEGACY_MAGIC.length)) {
            legacy = "the legacy pickle format of torch < 1.6";
        } else if (n >= 262 && new String(head, 257, 5, StandardCharsets.US_ASCII).equals("ustar")) {
            legacy = "the legacy tar format of torch < 0.4";
        }
        if (legacy != null) {
            throw new ModelException(file + " is in " + legacy + ", which this reader does not load; re-save it with"
                    + " a recent torch (torch.save) or convert it to model.safetensors");
        }
        throw new ModelException(file + " is not a PyTorch checkpoint (torch.save writes a zip file)");
    }

    /** The folder holding data.pkl; torch names it after the file, but any single folder is valid. */
    private static String archiveDir(ZipFile zip, Path file) {
        for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
            String name = en.nextElement().getName();
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) {
                return name.substring(0, slash + 1);
            }
        }
        throw new ModelException(file + ": zip file without a <dir>/data.pkl record: not a torch.save checkpoint");
    }

    private static ByteOrder byteOrder(ZipFile zip, String dir, Path file) throws IOException {
        if (zip.getEntry(dir + "byteorder") == null) {
            return ByteOrder.LITTLE_ENDIAN; // written by torch before 2.1, which only ran little-endian here
        }
        String order = new String(record(zip, dir + "byteorder", 16, file), StandardCharsets.US_ASCII).trim();
        return switch (order) {
            case "little" -> ByteOrder.LITTLE_ENDIAN;
            case "big" -> ByteOrder.BIG_ENDIAN;
            default -> throw new ModelException(file + ": byteorder record says \"" + order + "\"");
        };
    }

    private static ByteBuffer storage(ZipFile zip, String dir, TorchStorage s, int elemBytes, ByteOrder order,
            Path file) throws IOException {
        long nbytes = Math.multiplyExact(s.numel(), elemBytes);
        if (nbytes > Integer.MAX_VALUE - 8) {
            throw new ModelException(file + ": storage " + s.key() + " holds " + nbytes
                    + " bytes, more than one Java buffer can address (2 GiB)");
        }
        String name = dir + "data/" + s.key();
        byte[] bytes = record(zip, name, nbytes, file);
        if (bytes.length != nbytes) {
            throw new ModelException(file + ": record " + name + " has " + bytes.length + " bytes, but its "
                    + s.numel() + " elements of " + s.dtype() + " need " + nbytes);
        }
        if (order == ByteOrder.BIG_ENDIAN) {
            swapBytes(bytes, elemBytes);
        }
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Reads a whole record, refusing one larger than {@code maxBytes} before allocating it. */
    private static byte[] record(ZipFile zip, String name, long maxBytes, Path file) throws IOException {
        ZipEntry entry = zip.getEntry(name);
        if (entry == null) {
            throw new ModelException(file + ": record " + name + " is missing");
        }
        if (entry.getSize() > maxBytes) {
            throw new ModelException(file + ": record " + name + " has " + entry.getSize() + " bytes, expected at most "
                    + maxBytes);
        }
        try (InputStream in = zip.getInputStream(entry)) {
            // readNBytes bounds what a lying size field could make us allocate
            byte[] bytes = in.readNBytes((int) Math.min(maxBytes, Integer.MAX_VALUE - 8));
            if (in.read() >= 0) {
                throw new ModelException(file + ": record " + name + " is larger than the " + maxBytes
                        + " bytes expected");
            }
            return bytes;
        }
    }

    private static void swapBytes(byte[] b, int elemBytes) {
        for (int i = 0; i < b.length; i += elemBytes) {
            for (int lo = i, hi = i + elemBytes - 1; lo < hi; lo++, hi--) {
                byte t = b[lo];
                b[lo] = b[hi];
                b[hi] = t;
            }
        }
    }
}

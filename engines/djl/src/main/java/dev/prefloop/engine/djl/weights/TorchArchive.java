package dev.prefloop.engine.djl.weights;

import dev.prefloop.core.error.ModelException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * TorchArchive is an open file in torch.save's zip format ({@code <dir>/data.pkl} plus one
 * {@code <dir>/data/<key>} record per storage): its pickle is run by a {@link RestrictedUnpickler}
 * at once, and each tensor's bytes are read only when asked for, so a caller can copy a large
 * state away one tensor at a time. Legacy pre-1.6 formats are refused with a way out.
 */
public final class TorchArchive implements AutoCloseable {

    /** torch's legacy format starts with the pickled magic number 0x1950a86a20f9469cfc6c (protocol 2, LONG1). */
    private static final byte[] LEGACY_MAGIC = {
        (byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a,
        (byte) 0xa8, 0x50, 0x19};

    /** data.pkl holds only names and tensor metadata; a larger one is not a file worth trusting. */
    private static final long MAX_PICKLE_BYTES = 1L << 30;

    private final Path file;
    private final ZipFile zip;
    private final String dir;
    private final ByteOrder order;
    private final Object root;

    private TorchArchive(Path file, ZipFile zip) throws IOException {
        this.file = file;
        this.zip = zip;
        this.dir = archiveDir(zip, file);
        this.order = byteOrder(zip, dir, file);
        byte[] pickle = record(dir + "data.pkl", MAX_PICKLE_BYTES);
        this.root = new RestrictedUnpickler(pickle, file.toString()).load();
    }

    /** Opens {@code file} and unpickles its root value; close it to release the zip. */
    public static TorchArchive open(Path file) {
        refuseLegacyFormats(file);
        ZipFile zip = null;
        try {
            zip = new ZipFile(file.toFile());
            return new TorchArchive(file, zip);
        } catch (IOException e) {
            closeQuietly(zip);
            throw new ModelException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(zip);
            throw e;
        }
    }

    /**
     * The unpickled value: String, Long, Double, Boolean, null, ArrayList (list), LinkedHashMap (dict),
     * a tuple, or a tensor reference that {@link #isTensor} recognises and {@link #tensor} reads.
     */
    public Object root() {
        return root;
    }

    /** The file this archive was opened from, for messages. */
    public Path file() {
        return file;
    }

    /** Whether {@code node} of the tree is a tensor. */
    public static boolean isTensor(Object node) {
        return node instanceof TorchTensorRef;
    }

    /** The shape of a tensor node. */
    public static long[] shapeOf(Object node) {
        return ((TorchTensorRef) node).size().clone();
    }

    /** Reads a tensor node's bytes (its own storage record, read now); {@code what} names it in errors. */
    public HostTensor tensor(Object node, String what) {
        return tensor(node, what, null);
    }

    /**
     * Reads a tensor node's bytes, keeping each storage read in {@code storages} (by key) so views
     * of one storage (tied weights) share it; null keeps nothing.
     */
    public HostTensor tensor(Object node, String what, Map<String, ByteBuffer> storages) {
        if (!(node instanceof TorchTensorRef t)) {
            throw new ModelException(file + ": " + what + " is not a tensor");
        }
        String invalid = t.invalidReason();
        if (invalid != null) {
            throw new ModelException(file + ": tensor \"" + what + "\": " + invalid);
        }
        int elemBytes = SafetensorsDtype.of(t.storage().dtype()).byteSize();
        ByteBuffer storage = storages == null ? null : storages.get(t.storage().key());
        if (storage == null) {
            storage = storage(t.storage(), elemBytes);
            if (storages != null) {
                storages.put(t.storage().key(), storage);
            }
        }
        return new HostTensor(t.storage().dtype(), t.size().clone(), t.bytes(storage, elemBytes));
    }

    @Override
    public void close() {
        closeQuietly(zip);
    }

    private static void closeQuietly(ZipFile zip) {
        if (zip == null) {
            return;
        }
        try {
            zip.close();
        } catch (IOException e) {
            // read-only: nothing to lose
        }
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
        if (n >= LEGACY_MAGIC.length && Arrays.equals(head, 0, LEGACY_MAGIC.length, LEGACY_MAGIC, 0,
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

    private ByteOrder byteOrder(ZipFile zip, String dir, Path file) throws IOException {
        if (zip.getEntry(dir + "byteorder") == null) {
            return ByteOrder.LITTLE_ENDIAN; // written by torch before 2.1, which only ran little-endian here
        }
        String order = new String(record(dir + "byteorder", 16), StandardCharsets.US_ASCII).trim();
        return switch (order) {
            case "little" -> ByteOrder.LITTLE_ENDIAN;
            case "big" -> ByteOrder.BIG_ENDIAN;
            default -> throw new ModelException(file + ": byteorder record says \"" + order + "\"");
        };
    }

    private ByteBuffer storage(TorchStorage s, int elemBytes) {
        long nbytes = Math.multiplyExact(s.numel(), elemBytes);
        if (nbytes > Integer.MAX_VALUE - 8) {
            throw new ModelException(file + ": storage " + s.key() + " holds " + nbytes
                    + " bytes, more than one Java buffer can address (2 GiB)");
        }
        String name = dir + "data/" + s.key();
        byte[] bytes;
        try {
            bytes = record(name, nbytes);
        } catch (IOException e) {
            throw new ModelException("cannot read " + file + ": " + e.getMessage(), e);
        }
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
    private byte[] record(String name, long maxBytes) throws IOException {
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

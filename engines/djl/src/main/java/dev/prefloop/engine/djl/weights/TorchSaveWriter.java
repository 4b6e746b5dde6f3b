package dev.prefloop.engine.djl.weights;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * TorchSaveWriter writes a tree of plain values and tensors as {@code torch.save} does (a zip of
 * {@code <name>/data.pkl}, pickle protocol 2, and one 64-byte-aligned record per tensor), using only
 * the globals that {@code torch.load(weights_only=True)} accepts, so Python reads the file without
 * unpickling anything but tensors. Values: String, Integer/Long, Float/Double, Boolean, null, List
 * (a Python list), {@link Tuple}, Map (a dict; String or integer keys, in the map's order) and
 * {@link Tensor}; each tensor's bytes are fetched only when its record is written.
 */
public final class TorchSaveWriter {

    /** A Python tuple. */
    public record Tuple(List<Object> items) {
        public Tuple {
            items = List.copyOf(items);
        }

        /** A tuple of {@code items}. */
        public static Tuple of(Object... items) {
            return new Tuple(List.of(items));
        }
    }

    /** A contiguous tensor of a safetensors dtype ("F32", "I64", ...) whose little-endian bytes come on demand. */
    public record Tensor(String dtype, long[] shape, Supplier<ByteBuffer> bytes) {
        /** A tensor over the bytes a host tensor already holds. */
        public static Tensor of(HostTensor t) {
            return new Tensor(t.dtype(), t.shape(), t::data);
        }
    }

    /** torch.load reads records anywhere, but torch aligns them so that mmap=True can map tensors in place. */
    private static final int ALIGNMENT = 64;

    /** A fixed time inside the DOS range (1980-01-02): the same state gives the same bytes, and no extended-time field shifts the alignment. */
    private static final long FIXED_TIME = 315_619_200_000L;

    private static final Map<String, String> STORAGE_CLASSES = Map.of(
            "F32", "FloatStorage", "F64", "DoubleStorage", "F16", "HalfStorage", "BF16", "BFloat16Storage",
            "I64", "LongStorage", "I32", "IntStorage", "I16", "ShortStorage", "I8", "CharStorage",
            "U8", "ByteStorage", "BOOL", "BoolStorage");

    private final ByteArrayOutputStream pickle = new ByteArrayOutputStream();
    private final List<Tensor> tensors = new ArrayList<>();

    private TorchSaveWriter() {}

    /** Writes {@code root} to {@code file}; the archive's folder is the file's name without its extension, as torch names it. */
    public static void write(Path file, Object root) {
        TorchSaveWriter w = new TorchSaveWriter();
        w.pickle.write(0x80); // PROTO 2
        w.pickle.write(2);
        w.value(root);
        w.pickle.write('.'); // STOP
        String name = file.getFileName().toString();
        String dir = (name.lastIndexOf('.') > 0 ? name.substring(0, name.lastIndexOf('.')) : name) + "/";
        try (CountingStream counted = new CountingStream(Files.newOutputStream(file));
                ZipOutputStream zip = new ZipOutputStream(counted, StandardCharsets.UTF_8)) {
            zip.setLevel(0);
            w.record(zip, counted, dir + "data.pkl", ByteBuffer.wrap(w.pickle.toByteArray()));
            w.record(zip, counted, dir + ".format_version", ascii("1"));
            w.record(zip, counted, dir + ".storage_alignment", ascii(Integer.toString(ALIGNMENT)));
            w.record(zip, counted, dir + "byteorder", ascii("little"));
            for (int i = 0; i < w.tensors.size(); i++) {
                Tensor t = w.tensors.get(i);
                ByteBuffer data = t.bytes().get();
                long expected = numel(t.shape()) * SafetensorsDtype.of(t.dtype()).byteSize();
                if (data.remaining() != expected) {
                    throw new IllegalArgumentException("tensor " + i + " of " + file + ": " + data.remaining()
                            + " bytes for " + t.dtype() + java.util.Arrays.toString(t.shape()) + ", expected " + expected);
                }
                w.record(zip, counted, dir + "data/" + i, data);
            }
            w.record(zip, counted, dir + "version", ascii("3\n"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** One STORED record whose data starts at a multiple of {@link #ALIGNMENT}, padded through the extra field as torch does. */
    private void record(ZipOutputStream zip, CountingStream counted, String name, ByteBuffer data) throws IOException {
        ByteBuffer bytes = data.duplicate();
        CRC32 crc = new CRC32();
        crc.update(bytes.duplicate());
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(bytes.remaining());
        e.setCompressedSize(bytes.remaining());
        e.setCrc(crc.getValue());
        e.setTime(FIXED_TIME);
        int zip64 = bytes.remaining() >= 0xFFFFFFFFL ? 20 : 0; // Java adds a zip64 extra field of 20 bytes to such a header
        long headerEnd = counted.count() + 30 + name.getBytes(StandardCharsets.UTF_8).length + 4 + zip64;
        int pad = (int) ((ALIGNMENT - headerEnd % ALIGNMENT) % ALIGNMENT);
        ByteBuffer extra = ByteBuffer.allocate(4 + pad).order(ByteOrder.LITTLE_ENDIAN);
        extra.putShort((short) 0x4246).putShort((short) pad); // "FB", the padding field id torch's writer uses
        e.setExtra(extra.array());
        zip.putNextEntry(e);
        if (bytes.hasArray()) {
            zip.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
        } else {
            byte[] chunk = new byte[1 << 16];
            while (bytes.hasRemaining()) {
                int n = Math.min(chunk.length, bytes.remaining());
                bytes.get(chunk, 0, n);
                zip.write(chunk, 0, n);
            }
        }
        zip.closeEntry();
    }

    private void value(Object v) {
        if (v == null) {
            pickle.write('N');
        } else if (v instanceof Boolean b) {
            pickle.write(b ? 0x88 : 0x89); // NEWTRUE / NEWFALSE
        } else if (v instanceof Integer || v instanceof Long) {
            integer(((Number) v).longValue());
        } else if (v instanceof Float || v instanceof Double) {
            pickle.write('G'); // BINFLOAT, big-endian
            writeBytes(ByteBuffer.allocate(8).putDouble(((Number) v).doubleValue()).array());
        } else if (v instanceof String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            pickle.write('X'); // BINUNICODE
            writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(utf8.length).array());
            writeBytes(utf8);
        } else if (v instanceof Tuple t) {
            tuple(t.items());
        } else if (v instanceof List<?> list) {
            pickle.write(']'); // EMPTY_LIST
            if (!list.isEmpty()) {
                pickle.write('(');
                list.forEach(this::value);
                pickle.write('e'); // APPENDS
            }
        } else if (v instanceof Map<?, ?> map) {
            pickle.write('}'); // EMPTY_DICT
            if (!map.isEmpty()) {
                pickle.write('(');
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    if (!(e.getKey() instanceof String || e.getKey() instanceof Integer || e.getKey() instanceof Long)) {
                        throw new IllegalArgumentException("dict key " + e.getKey() + " is not a string or an integer");
                    }
                    value(e.getKey());
                    value(e.getValue());
                }
                pickle.write('u'); // SETITEMS
            }
        } else if (v instanceof Tensor t) {
            tensor(t);
        } else {
            throw new IllegalArgumentException("cannot pickle a " + v.getClass().getName());
        }
    }

    /** torch._utils._rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict()) over a persistent storage id. */
    private void tensor(Tensor t) {
        String storageClass = STORAGE_CLASSES.get(t.dtype());
        if (storageClass == null) {
            throw new IllegalArgumentException("no torch storage for dtype " + t.dtype());
        }
        String key = Integer.toString(tensors.size());
        tensors.add(t);
        global("torch._utils", "_rebuild_tensor_v2");
        pickle.write('(');
        pickle.write('(');
        value("storage");
        global("torch", storageClass);
        value(key);
        value("cpu");
        integer(numel(t.shape()));
        pickle.write('t');
        pickle.write('Q'); // BINPERSID
        integer(0);
        List<Object> size = new ArrayList<>();
        List<Object> stride = new ArrayList<>();
        long s = 1;
        for (int d = t.shape().length - 1; d >= 0; d--) {
            stride.add(0, s);
            s *= t.shape()[d];
        }
        for (long d : t.shape()) {
            size.add(d);
        }
        tuple(size);
        tuple(stride);
        pickle.write(0x89); // requires_grad False
        global("collections", "OrderedDict");
        pickle.write(')');
        pickle.write('R'); // REDUCE: OrderedDict(), the backward hooks
        pickle.write('t');
        pickle.write('R'); // REDUCE: the tensor
    }

    private void tuple(List<?> items) {
        switch (items.size()) {
            case 0 -> pickle.write(')');
            case 1, 2, 3 -> {
                items.forEach(this::value);
                pickle.write(0x84 + items.size()); // TUPLE1..3
            }
            default -> {
                pickle.write('(');
                items.forEach(this::value);
                pickle.write('t');
            }
        }
    }

    private void global(String module, String name) {
        pickle.write('c');
        writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private void integer(long v) {
        if (v >= 0 && v < 256) {
            pickle.write('K');
            pickle.write((int) v);
        } else if (v >= 0 && v < 65536) {
            pickle.write('M');
            pickle.write((int) (v & 0xFF));
            pickle.write((int) (v >>> 8));
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            pickle.write('J');
            writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
        } else {
            pickle.write(0x8a); // LONG1: 8 bytes of two's complement, little-endian
            pickle.write(8);
            writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }
    }

    private void writeBytes(byte[] b) {
        pickle.write(b, 0, b.length);
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Counts the bytes the zip stream writes, to place each record's data on an aligned offset. */
    private static final class CountingStream extends FilterOutputStream {
        private long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        long count() {
            return count;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}

package dev.prefloop.engine.djl.weights;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** PickleBytes assembles pickle programs opcode by opcode, so tests can craft hostile checkpoints. */
final class PickleBytes {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    PickleBytes op(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    PickleBytes proto2() {
        return op(0x80, 2);
    }

    PickleBytes global(String module, String name) {
        op('c');
        raw((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }

    PickleBytes unicode(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op('X', b.length & 0xFF, (b.length >> 8) & 0xFF, (b.length >> 16) & 0xFF, b.length >>> 24);
        raw(b);
        return this;
    }

    PickleBytes shortUnicode(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op(0x8c, b.length);
        raw(b);
        return this;
    }

    /** BININT1 or BININT2, as torch writes small ints. */
    PickleBytes integer(int v) {
        return v < 256 ? op('K', v) : op('M', v & 0xFF, v >> 8);
    }

    /** The tuple (a, b, ...) of small ints. */
    PickleBytes intTuple(int... values) {
        op('(');
        for (int v : values) {
            integer(v);
        }
        return op('t');
    }

    /** _rebuild_tensor_v2(('storage', torch.FloatStorage, key, 'cpu', numel), offset, size, stride, False, OrderedDict()). */
    PickleBytes floatTensor(String key, int numel, int offset, int[] size, int[] stride) {
        global("torch._utils", "_rebuild_tensor_v2");
        op('(');
        op('(').unicode("storage").global("torch", "FloatStorage").unicode(key).unicode("cpu").integer(numel).op('t');
        op('Q');
        integer(offset).intTuple(size).intTuple(stride);
        op(0x89);
        global("collections", "OrderedDict").op(')', 'R');
        return op('t', 'R');
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    private void raw(byte[] b) {
        out.write(b, 0, b.length);
    }

    /** Writes a torch.save-style zip: archive/data.pkl, archive/data/KEY records, stored uncompressed. */
    static void writeCheckpoint(Path file, byte[] pickle, Map<String, byte[]> storages) throws IOException {
        writeCheckpoint(file, pickle, storages, "little");
    }

    /** As above, with the byteorder record saying {@code byteOrder}. */
    static void writeCheckpoint(Path file, byte[] pickle, Map<String, byte[]> storages, String byteOrder)
            throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            stored(zip, "archive/data.pkl", pickle);
            stored(zip, "archive/byteorder", byteOrder.getBytes(StandardCharsets.US_ASCII));
            for (Map.Entry<String, byte[]> e : storages.entrySet()) {
                stored(zip, "archive/data/" + e.getKey(), e.getValue());
            }
            stored(zip, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }
}

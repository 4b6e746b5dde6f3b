package dev.prefloop.engine.djl.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;

/**
 * AtomicFile writes a file under a temporary name beside its target and renames it into place
 * once complete and flushed to disk, so a reader sees the old file or the whole new one, never
 * a partial one.
 */
final class AtomicFile {

    /** The body that fills the temporary file. */
    @FunctionalInterface
    interface Body {
        void write(FileChannel out) throws IOException;
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private AtomicFile() {}

    static void write(Path target, Body body) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        // a dot name in the same directory: same file system, so the rename is atomic; not
        // Files.createTempFile, whose owner-only permissions would stay on the renamed file
        Path tmp = dir.resolve("." + target.getFileName() + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".tmp");
        try {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
                body.write(out);
                out.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static void writeString(Path target, String text) throws IOException {
        write(target, out -> writeFully(out, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8))));
    }

    static void writeFully(FileChannel out, ByteBuffer data) throws IOException {
        ByteBuffer b = data.duplicate();
        while (b.hasRemaining()) {
            out.write(b);
        }
    }
}

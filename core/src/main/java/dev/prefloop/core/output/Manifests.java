package dev.prefloop.core.output;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.data.SliceSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/** Manifests reads and writes manifest files: {@code _manifest.json}, or one per slice. */
public final class Manifests {

    private static final ObjectMapper JSON = JsonCodec.mapper().copy().enable(SerializationFeature.INDENT_OUTPUT);

    private Manifests() {}

    /** {@code _manifest.json}, or {@code _manifest.shard-i-of-n.json} for a slice. */
    public static Path path(Path dir, SliceSpec slice) {
        return dir.resolve(slice.isAll() ? "_manifest.json" : "_manifest." + slice.tag() + ".json");
    }

    /** Writes the manifest atomically (temporary file, then rename). */
    public static void write(Path dir, SliceSpec slice, Manifest m) throws IOException {
        Path target = path(dir, slice);
        Path temp = dir.resolve("." + target.getFileName() + ".tmp");
        JSON.writeValue(temp.toFile(), m);
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The manifest of an earlier run of this slice in {@code dir}, if there is a readable one. */
    public static Optional<Manifest> read(Path dir, SliceSpec slice) {
        return readFile(path(dir, slice));
    }

    /** The manifest in {@code p} (e.g. a model directory's prefloop_manifest.json), if there is a readable one. */
    public static Optional<Manifest> readFile(Path p) {
        if (!Files.isRegularFile(p)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(p.toFile(), Manifest.class));
        } catch (IOException e) {
            return Optional.empty(); // unreadable: treated as a different run
        }
    }

    /**
     * The value as parsed JSON text, so that a planned manifest (Java longs) compares equal to one
     * read back from disk (small numbers parse as ints).
     */
    static JsonNode normalise(Object value) {
        try {
            return JSON.readTree(JSON.writeValueAsString(value));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the directory holds anything that is not hidden. */
    public static boolean hasVisibleFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (var files = Files.list(dir)) {
            return files.anyMatch(p -> !p.getFileName().toString().startsWith("."));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

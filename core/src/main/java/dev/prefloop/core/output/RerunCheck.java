package dev.prefloop.core.output;

import dev.prefloop.core.data.SliceSpec;
import dev.prefloop.core.error.UsageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * RerunCheck decides what a verb does with an output directory that may already hold output:
 * the same run (same manifest identity) is a no-op, anything else of this slice needs --force.
 */
public final class RerunCheck {

    /** What to do. */
    public enum Decision { RUN, UP_TO_DATE }

    private RerunCheck() {}

    /** The decision for writing {@code planned}'s output of {@code slice} into {@code dir}. */
    public static Decision decide(Path dir, SliceSpec slice, Manifest planned, boolean force) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UsageException("--out " + dir + ": exists and is not a directory");
        }
        var previous = Manifests.read(dir, slice);
        if (!force && previous.isPresent() && planned.sameRunAs(previous.get())) {
            return Decision.UP_TO_DATE;
        }
        if (!force && (previous.isPresent() || hasShardsOf(dir, slice))) {
            throw new UsageException("--out " + dir + ": already holds output of a different run (other inputs,"
                    + " options or prefloop version); pass --force to replace it");
        }
        return Decision.RUN;
    }

    private static boolean hasShardsOf(Path dir, SliceSpec slice) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        String prefix = "part-" + (slice.isAll() ? "" : slice.tag() + "-");
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .anyMatch(n -> n.startsWith(prefix) && (!slice.isAll() || !n.startsWith("part-shard-")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

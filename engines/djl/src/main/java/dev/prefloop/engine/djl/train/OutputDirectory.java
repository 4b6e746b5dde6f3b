package dev.prefloop.engine.djl.train;

import dev.prefloop.core.error.UsageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * OutputDirectory decides what a training run does with OUT: a fresh run needs it absent or empty (or --force,
 * which clears it once the inputs are known good); --resume needs a complete checkpoint-N in it and continues
 * from the latest.
 */
public final class OutputDirectory {

    private OutputDirectory() {}

    /** The checkpoint to resume from (empty for a fresh run), after checking OUT against the flags. */
    public static Optional<Path> prepare(Path out, boolean resume, boolean force) {
        if (resume) {
            Optional<Path> latest = TrainerCheckpoint.latest(out);
            if (latest.isEmpty()) {
                throw new UsageException("--resume: " + out + " holds no complete checkpoint-N (a run saves one every"
                        + " --save-steps steps); start without --resume");
            }
            return latest;
        }
        if (nonEmpty(out) && !force) {
            throw new UsageException("output " + out + " already exists and is not empty: continue the run with"
                    + " --resume, or replace it with --force");
        }
        return Optional.empty();
    }

    /**
     * Creates OUT, first clearing it for a fresh --force run; called after every input check passed, so bad
     * input neither leaves output behind nor destroys the previous run's.
     */
    public static void create(Path out, boolean resume, boolean force) {
        if (!resume && force && nonEmpty(out)) {
            TrainerCheckpoint.deleteRecursively(out);
        }
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + out, e);
        }
    }

    private static boolean nonEmpty(Path p) {
        if (!Files.exists(p)) {
            return false;
        }
        if (!Files.isDirectory(p)) {
            return true;
        }
        try (Stream<Path> s = Files.list(p)) {
            return s.findAny().isPresent();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + p, e);
        }
    }
}

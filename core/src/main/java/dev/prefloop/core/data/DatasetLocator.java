package dev.prefloop.core.data;

import dev.prefloop.core.error.UsageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * DatasetLocator turns a dataset argument into its shards: {@code -} (standard input, JSON Lines),
 * a file, a directory (its data files at any depth, in name order; names starting with "_" or "."
 * are skipped), or a glob such as {@code data/train-*.parquet}.
 */
public final class DatasetLocator {

    private DatasetLocator() {}

    /** The shards of a dataset argument, in a stable order; a usage error when none are found. */
    public static List<Shard> locate(String argument) {
        if (argument.equals("-")) {
            return List.of(new Shard(null, ShardFormat.JSONL));
        }
        if (isGlob(argument)) {
            return glob(argument);
        }
        Path p = Paths.get(argument);
        if (Files.isRegularFile(p)) {
            ShardFormat f = ShardFormat.ofFile(p).orElseThrow(() -> new UsageException(p
                    + ": unknown data file type; expected .jsonl, .jsonl.gz, .json, .arrow or .parquet"));
            return List.of(new Shard(p, f));
        }
        if (Files.isDirectory(p)) {
            List<Shard> shards = listDirectory(p, path -> true);
            if (shards.isEmpty()) {
                throw new UsageException(p + ": the directory holds no data files"
                        + " (.jsonl, .jsonl.gz, .arrow, .parquet)");
            }
            return shards;
        }
        throw new UsageException(argument + ": no such file or directory");
    }

    private static boolean isGlob(String s) {
        return s.indexOf('*') >= 0 || s.indexOf('?') >= 0 || s.indexOf('[') >= 0 || s.indexOf('{') >= 0;
    }

    private static List<Shard> glob(String pattern) {
        // The base is the longest leading path without glob characters.
        String[] parts = pattern.split("/", -1);
        StringBuilder base = new StringBuilder(pattern.startsWith("/") ? "/" : "");
        int first = 0;
        for (; first < parts.length && !isGlob(parts[first]); first++) {
            if (!parts[first].isEmpty()) {
                base.append(parts[first]).append('/');
            }
        }
        Path root = Paths.get(base.length() == 0 ? "." : base.toString());
        String rest = String.join("/", java.util.Arrays.copyOfRange(parts, first, parts.length));
        PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + rest);
        List<Shard> shards = Files.isDirectory(root)
                ? listDirectory(root, path -> m.matches(root.relativize(path)))
                : List.of();
        if (shards.isEmpty()) {
            throw new UsageException(pattern + ": the pattern matches no data files");
        }
        return shards;
    }

    private static List<Shard> listDirectory(Path dir, java.util.function.Predicate<Path> keep) {
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Shard> out = new ArrayList<>();
            walk.filter(Files::isRegularFile)
                    .filter(path -> !hiddenBelow(dir, path))
                    .filter(keep)
                    .sorted(Comparator.comparing(Path::toString))
                    .forEach(path -> ShardFormat.ofListedFile(path).ifPresent(f -> out.add(new Shard(path, f))));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    private static boolean hiddenBelow(Path dir, Path file) {
        for (Path part : dir.relativize(file)) {
            String n = part.toString();
            if (n.startsWith(".") || n.startsWith("_")) {
                return true;
            }
        }
        return false;
    }
}

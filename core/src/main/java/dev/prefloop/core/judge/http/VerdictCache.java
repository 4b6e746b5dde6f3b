package dev.prefloop.core.judge.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;

/**
 * VerdictCache keeps an LLM judge's answers on disk, one file per request named by the SHA-256 of
 * the request (endpoint, model and the exact body sent; never the API key), so a rerun asks nothing
 * it asked before. Files are written whole (temporary name, then rename), so concurrent runs share it.
 */
final class VerdictCache {

    private final Path dir;

    VerdictCache(Path dir) {
        this.dir = dir;
    }

    /** The key of a request. */
    static String key(String... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String p : parts) {
                md.update(p.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    Optional<String> get(String key) {
        Path p = path(key);
        try {
            return Files.isRegularFile(p) ? Optional.of(Files.readString(p, StandardCharsets.UTF_8)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // unreadable: ask again
        }
    }

    void put(String key, String answer) {
        Path p = path(key);
        try {
            Files.createDirectories(p.getParent());
            Path tmp = p.resolveSibling("." + p.getFileName() + ".tmp-" + UUID.randomUUID());
            Files.writeString(tmp, answer, StandardCharsets.UTF_8);
            Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the judge cache in " + dir, e);
        }
    }

    private Path path(String key) {
        return dir.resolve(key.substring(0, 2)).resolve(key + ".txt");
    }
}

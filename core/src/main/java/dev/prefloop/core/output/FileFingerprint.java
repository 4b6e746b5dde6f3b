package dev.prefloop.core.output;

import dev.prefloop.core.data.Shard;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** FileFingerprint identifies an input file by path, size and SHA-256 of its bytes. */
public record FileFingerprint(String path, long size, String sha256) {

    /** Hashes the file (streamed; constant memory). */
    public static FileFingerprint of(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            long size = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
                size += n;
            }
            return new FileFingerprint(file.toAbsolutePath().normalize().toString(), size,
                    HexFormat.of().formatHex(md.digest()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The fingerprints of a dataset's shards; standard input, which cannot be hashed, gets a unique stand-in. */
    public static List<FileFingerprint> ofShards(List<Shard> shards) {
        List<FileFingerprint> out = new ArrayList<>();
        for (Shard sh : shards) {
            // A run reading standard input is never considered up to date.
            out.add(sh.path() != null ? of(sh.path())
                    : new FileFingerprint("<stdin>", -1, Instant.now().toString()));
        }
        return out;
    }
}

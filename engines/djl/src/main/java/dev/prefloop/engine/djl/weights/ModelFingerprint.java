package dev.prefloop.engine.djl.weights;

import dev.prefloop.core.error.ModelException;
import dev.prefloop.core.output.FileFingerprint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * ModelFingerprint identifies a model directory for manifests: config.json by its full SHA-256,
 * each weights file (the one {@link HfWeightsReader} reads and, for an index, every shard it
 * names) by its size and the SHA-256 of its first and last MiB.
 *
 * <p>Why not the whole file: hashing multi-GB weights on every run costs more than a small score
 * run. The first MiB holds a safetensors header (every name, shape and offset) and the start of
 * the data; any training step changes bytes in the last MiB too. An edit confined to the middle of
 * a file of unchanged size goes unnoticed: pass --force after such surgery. The modification time
 * is left out on purpose, so a copied or re-downloaded model still counts as the same.
 */
public final class ModelFingerprint {

    private static final int EDGE = 1 << 20;

    private ModelFingerprint() {}

    /** config.json, then the weights files in reading order. */
    public static List<FileFingerprint> of(Path modelDir) {
        List<FileFingerprint> out = new ArrayList<>();
        Path config = modelDir.resolve("config.json");
        if (Files.isRegularFile(config)) {
            out.add(FileFingerprint.of(config));
        }
        Path weights = HfWeightsReader.weightsFile(modelDir);
        Set<Path> files = new LinkedHashSet<>();
        files.add(weights);
        if (weights.getFileName().toString().endsWith(".index.json")) {
            for (String shard : ShardIndex.read(weights).weightMap().values()) {
                files.add(weights.resolveSibling(shard));
            }
        }
        for (Path f : files) {
            out.add(edges(f));
        }
        return out;
    }

    /** A PEFT adapter directory: adapter_config.json by its full SHA-256, then its weights file by its edges. */
    public static List<FileFingerprint> ofAdapter(Path adapterDir) {
        List<FileFingerprint> out = new ArrayList<>();
        out.add(FileFingerprint.of(adapterDir.resolve("adapter_config.json")));
        for (String name : List.of("adapter_model.safetensors", "adapter_model.bin")) {
            Path f = adapterDir.resolve(name);
            if (Files.isRegularFile(f)) {
                out.add(edges(f));
                break;
            }
        }
        return out;
    }

    /** Size plus "edges-sha256:" of the first and last MiB (the whole file when it is under 2 MiB). */
    static FileFingerprint edges(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            if (size <= 2L * EDGE) {
                md.update(read(ch, 0, (int) size));
            } else {
                md.update(read(ch, 0, EDGE));
                md.update(read(ch, size - EDGE, EDGE));
            }
            return new FileFingerprint(file.toAbsolutePath().normalize().toString(), size,
                    "edges-sha256:" + HexFormat.of().formatHex(md.digest()));
        } catch (IOException e) {
            throw new ModelException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ByteBuffer read(FileChannel ch, long pos, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) {
                throw new IOException("unexpected end of file");
            }
        }
        return b.flip();
    }
}

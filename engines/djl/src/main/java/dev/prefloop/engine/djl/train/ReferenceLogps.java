package dev.prefloop.engine.djl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.core.progress.Progress;
import dev.prefloop.engine.djl.TorchRuntime;
import dev.prefloop.engine.djl.loss.LdWeighting;
import dev.prefloop.engine.djl.model.LlamaModel;
import dev.prefloop.engine.djl.model.PaddedBatch;
import dev.prefloop.engine.djl.weights.HostTensor;
import dev.prefloop.engine.djl.weights.SafetensorsReader;
import dev.prefloop.engine.djl.weights.SafetensorsWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ReferenceLogps computes the reference model's summed completion log-probabilities of every pair once, before
 * training, and caches them in {@code OUT/ref_logps.safetensors} (F32 tensors {@code chosen} and {@code rejected},
 * metadata {@code fingerprint} of pairs and reference), so the reference model is freed before the first step
 * and a resumed run reads the very same values.
 */
public final class ReferenceLogps {

    /** The cache's file name inside the output directory. */
    public static final String CACHE_FILE = "ref_logps.safetensors";

    private static final Logger LOG = LoggerFactory.getLogger(ReferenceLogps.class);

    private ReferenceLogps() {}

    /** The values the records carry ({@code ref_chosen_logps}, {@code ref_rejected_logps}), or null unless all do. */
    public static ReferenceTable fromData(List<TokenizedPair> pairs) {
        float[] c = new float[pairs.size()];
        float[] r = new float[pairs.size()];
        for (int i = 0; i < c.length; i++) {
            TokenizedPair p = pairs.get(i);
            if (!p.hasReference()) {
                return null;
            }
            c[i] = (float) p.refChosen();
            r[i] = (float) p.refRejected();
        }
        return new ReferenceTable(c, r);
    }

    /** Every pair's reference sums with {@code model}, no gradient, micro-batches as training cuts them. */
    public static ReferenceTable compute(LlamaModel model, List<TokenizedPair> pairs, int batchSize, long tokenBudget,
            long padId, Progress progress) {
        return compute(model, pairs, batchSize, tokenBudget, padId, progress, null);
    }

    /** The same, LD-weighted as LD-DPO weights the policy's sums when {@code ld} is not null. */
    public static ReferenceTable compute(LlamaModel model, List<TokenizedPair> pairs, int batchSize, long tokenBudget,
            long padId, Progress progress, LdWeighting ld) {
        int[] all = new int[pairs.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        float[] chosen = new float[all.length];
        float[] rejected = new float[all.length];
        progress.start("reference log-probabilities", "pairs", all.length);
        try (NDManager base = TorchRuntime.engine().newBaseManager(model.device())) {
            for (int[] micro : StepPlan.split(all, batchSize, i -> pairs.get(i).longestRow(), 2, tokenBudget)) {
                try (NDScope scope = new NDScope(); NDManager step = base.newSubManager()) {
                    scope.suppressNotUsedWarning();
                    PaddedBatch rows = PairRows.of(step, pairs, micro, padId);
                    float[] v; // (2N): chosen rows, then rejected rows
                    if (ld == null) {
                        v = model.responseLogps(rows.inputIds(), rows.attentionMask(), rows.responseMask())
                                .toFloatArray();
                    } else {
                        NDArray[] sums = PairTokens.ofRows(model.logits(rows.inputIds(), rows.attentionMask(), null),
                                rows, micro.length).ldSums(ld);
                        v = sums[0].concat(sums[1]).toFloatArray();
                    }
                    for (int k = 0; k < micro.length; k++) {
                        chosen[micro[k]] = v[k];
                        rejected[micro[k]] = v[micro.length + k];
                    }
                }
                progress.advance(micro.length);
            }
        } finally {
            progress.finish();
        }
        return new ReferenceTable(chosen, rejected);
    }

    /** The cached table at {@code file} if it was made for {@code fingerprint}, else null. */
    public static ReferenceTable readCache(Path file, String fingerprint, int pairs) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        if (!fingerprint.equals(storedFingerprint(file))) {
            LOG.info("{} was made for other pairs or another reference model; recomputing", file);
            return null;
        }
        Map<String, HostTensor> t = SafetensorsReader.read(file);
        float[] c = floats(t.get("chosen"), pairs, file);
        float[] r = floats(t.get("rejected"), pairs, file);
        LOG.info("reference log-probabilities of {} pairs read from {}", pairs, file);
        return new ReferenceTable(c, r);
    }

    /** Writes the table with its fingerprint (atomically, as SafetensorsWriter writes). */
    public static void writeCache(Path file, String fingerprint, ReferenceTable table) {
        Map<String, HostTensor> t = new LinkedHashMap<>();
        t.put("chosen", host(table.chosen()));
        t.put("rejected", host(table.rejected()));
        Map<String, String> meta = new LinkedHashMap<>(SafetensorsWriter.PT_METADATA);
        meta.put("fingerprint", fingerprint);
        SafetensorsWriter.write(file, t, meta);
    }

    /**
     * A model directory's identity for the cache: its path and the size and modification time of each weight and
     * config file (hashing gigabytes of weights on every start would cost more than the pass it saves).
     */
    public static String modelIdentity(Path modelDir) {
        StringBuilder s = new StringBuilder(modelDir.toAbsolutePath().normalize().toString());
        try (java.util.stream.Stream<Path> files = Files.list(modelDir)) {
            for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                String n = f.getFileName().toString();
                if (n.endsWith(".safetensors") || n.endsWith(".bin") || n.equals("config.json")
                        || n.equals("adapter_config.json")) {
                    s.append('|').append(n).append(':').append(Files.size(f)).append(':')
                            .append(Files.getLastModifiedTime(f).toMillis());
                }
            }
        } catch (java.io.IOException e) {
            throw new ModelException(modelDir + ": cannot list: " + e.getMessage(), e);
        }
        return s.toString();
    }

    /** SHA-256 over every pair's ids and the reference's identity. */
    public static String fingerprint(List<TokenizedPair> pairs, String reference) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(reference.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            for (TokenizedPair p : pairs) {
                for (long[] ids : new long[][] {p.prompt(), p.chosen(), p.rejected()}) {
                    md.update(b.clear().putLong(ids.length).array());
                    for (long id : ids) {
                        md.update(b.clear().putLong(id).array());
                    }
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The header's __metadata__.fingerprint (safetensors: u64 little-endian header length, then JSON). */
    static String storedFingerprint(Path file) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(len, 0);
            long n = len.flip().getLong();
            if (n <= 0 || n > 1 << 20) {
                return null;
            }
            ByteBuffer header = ByteBuffer.allocate((int) n);
            ch.read(header, 8);
            com.fasterxml.jackson.databind.JsonNode meta = dev.prefloop.core.data.JsonCodec.mapper()
                    .readTree(header.array()).path("__metadata__").path("fingerprint");
            return meta.isTextual() ? meta.asText() : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static HostTensor host(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return new HostTensor("F32", new long[] {v.length}, b);
    }

    private static float[] floats(HostTensor t, int n, Path file) {
        if (t == null || !"F32".equals(t.dtype()) || t.numel() != n) {
            throw new ModelException(file + ": expected F32 tensors chosen and rejected of " + n + " values, got " + t
                    + " (delete the file to recompute it)");
        }
        float[] v = new float[n];
        t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }
}

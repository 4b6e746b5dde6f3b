package dev.prefloop.engine.djl.merge;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prefloop.core.PrefloopVersion;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.core.output.FileFingerprint;
import dev.prefloop.core.output.Manifest;
import dev.prefloop.core.output.Manifests;
import dev.prefloop.core.progress.Progress;
import dev.prefloop.engine.djl.TorchRuntime;
import dev.prefloop.engine.djl.init.InitService;
import dev.prefloop.engine.djl.model.DecoderConfig;
import dev.prefloop.engine.djl.model.LoraAdapter;
import dev.prefloop.engine.djl.model.LoraAdapterFiles;
import dev.prefloop.engine.djl.model.ModelHead;
import dev.prefloop.engine.djl.text.TokenizerFingerprint;
import dev.prefloop.engine.djl.weights.DtypeConversion;
import dev.prefloop.engine.djl.weights.HfCheckpointWriter;
import dev.prefloop.engine.djl.weights.HfWeightsReader;
import dev.prefloop.engine.djl.weights.HostTensor;
import dev.prefloop.engine.djl.weights.ModelFingerprint;
import dev.prefloop.engine.djl.weights.StorageDecoder;
import dev.prefloop.engine.djl.weights.StreamedTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MergeService writes a base model with a PEFT LoRA adapter merged in as a full Hugging Face checkpoint: every adapted
 * weight becomes W + s B A ({@link LoraMerge}), every modules_to_save tensor the adapter's copy, and every other tensor
 * passes through byte for byte (or converted, with an explicit --dtype). config.json, generation_config.json and the
 * tokenizer files come from the base, plus {@value InitService#MANIFEST}.
 *
 * <p>Memory: the base is never loaded. Its tensors are slices of the memory-mapped weights files; each output tensor is
 * produced while its shard is written (merged a block of rows at a time, converted through a small buffer), so the
 * heap holds no weights and native memory holds the adapter plus two blocks, whatever the model's size (a
 * pytorch_model.bin base is the exception: its reader holds the records on the heap). The directory appears whole or
 * not at all ({@link HfCheckpointWriter}).
 */
public final class MergeService {

    private static final Logger LOG = LoggerFactory.getLogger(MergeService.class);
    private static final ObjectMapper JSON = JsonCodec.mapper();

    private final Progress progress;

    public MergeService(Progress progress) {
        this.progress = progress;
    }

    /** Runs merge. */
    public MergeResult run(MergeSettings s) {
        long t0 = System.nanoTime();
        String startedAt = Instant.now().toString();
        DecoderConfig config = DecoderConfig.read(s.model());
        LoraAdapterFiles.readConfig(s.adapter()); // a missing or non-LoRA adapter fails before anything is hashed
        List<FileFingerprint> models = new ArrayList<>(ModelFingerprint.of(s.model()));
        models.addAll(TokenizerFingerprint.of(s.model()));
        models.addAll(ModelFingerprint.ofAdapter(s.adapter()));
        Manifest planned = Manifest.planned("merge", PrefloopVersion.get(), s.manifestOptions(), List.of(), models,
                null, null);
        Manifest previous = Manifests.readFile(s.out().resolve(InitService.MANIFEST)).orElse(null);
        if (!s.force() && planned.sameRunAs(previous)) {
            LOG.info("{} is up to date (same base, adapter, options and prefloop version); --force redoes it", s.out());
            return new MergeResult(true, s.out().toString(), 0, 0, 0, 0, List.of(), List.of(), seconds(t0));
        }
        if (!s.force() && Manifests.hasVisibleFiles(s.out())) {
            throw new UsageException("--out " + s.out() + ": already holds files of another run or model; pass --force"
                    + " to replace it");
        }

        Map<String, HostTensor> base = HfWeightsReader.read(s.model());
        try (NDManager manager = TorchRuntime.engine().newBaseManager(Device.cpu());
                LoraAdapter adapter = load(s, config)) {
            check(config, adapter, base, s);
            Tally t = new Tally();
            Map<String, StreamedTensor> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, HostTensor> e : base.entrySet()) {
                tensors.put(e.getKey(), output(e.getKey(), e.getValue(), adapter, s.dtype(), manager, t));
            }
            progress.start("merge", "tensors", tensors.size());
            Supplier<String> manifest = () -> manifest(planned, t, startedAt, t0);
            try {
                HfCheckpointWriter.write(new HfCheckpointWriter.StreamedCheckpoint(json(s.model(), "config.json"),
                        json(s.model(), "generation_config.json"), tensors, s.model(),
                        Map.of(InitService.MANIFEST, manifest)), s.out(), s.maxShardBytes(), s.force());
            } finally {
                progress.finish();
            }
            List<String> files = weightFiles(s.out());
            MergeResult r = new MergeResult(false, s.out().toString(), t.modules, t.replaced, tensors.size(), t.bytes,
                    List.copyOf(t.dtypes), files, seconds(t0));
            LOG.info("merged {} modules{} of {} into {} ({} tensors, {} in {}, {} file(s)) in {}s", t.modules,
                    t.replaced == 0 ? "" : " and " + t.replaced + " replaced tensor(s)", s.adapter(), s.out(),
                    tensors.size(), String.format(Locale.ROOT, "%,d bytes", t.bytes), String.join("+", t.dtypes),
                    files.size(), String.format(Locale.ROOT, "%.2f", r.seconds()));
            return r;
        }
    }

    /** The adapter on the CPU, checked against the base's config; a failure names both directories. */
    private static LoraAdapter load(MergeSettings s, DecoderConfig config) {
        try {
            return LoraAdapterFiles.load(s.adapter(), config, Device.cpu());
        } catch (ModelException e) {
            throw new ModelException("--adapter " + s.adapter() + " on --model " + s.model() + ": " + e.getMessage(),
                    e);
        }
    }

    /** How one base tensor is written: merged, replaced, converted or passed through. */
    private StreamedTensor output(String name, HostTensor stored, LoraAdapter adapter, MergeDtype dtype,
            NDManager manager, Tally t) {
        boolean floating = StorageDecoder.isFloat(stored.dtype());
        String outDtype = floating ? dtype.storageOf(stored.dtype()) : stored.dtype();
        LoraAdapter.Factors f = name.endsWith(".weight")
                ? adapter.factors(name.substring(0, name.length() - ".weight".length())) : null;
        NDArray replacement = adapter.replacedTensors().get(name);
        StreamedTensor.Body body;
        if (f != null) {
            t.modules++;
            body = out -> LoraMerge.write(name, stored, f, outDtype, manager, out);
        } else if (replacement != null) {
            t.replaced++;
            // the adapter's float32 copy, read in place from its native memory
            body = out -> DtypeConversion.write(new HostTensor("F32", stored.shape(), replacement.toByteBuffer(true)),
                    outDtype, out);
        } else {
            body = out -> DtypeConversion.write(stored, outDtype, out); // the same bytes when the dtype is kept
        }
        StreamedTensor s = new StreamedTensor(outDtype, stored.shape(), out -> {
            body.write(out);
            progress.advance(1);
        });
        t.bytes += s.byteSize();
        t.dtypes.add(outDtype);
        return s;
    }

    /**
     * What the adapter needs of the checkpoint beyond its config: every adapted weight and replaced tensor present,
     * floating and of its config shape; and no change to a tied embedding through lm_head.
     */
    private static void check(DecoderConfig config, LoraAdapter adapter, Map<String, HostTensor> base,
            MergeSettings s) {
        Path weights = HfWeightsReader.weightsFile(s.model());
        Map<String, long[]> needed = new LinkedHashMap<>();
        adapter.modules().forEach((module, f) -> needed.put(module + ".weight",
                new long[] {f.b().getShape().get(0), f.a().getShape().get(1)}));
        adapter.replacedTensors().forEach((name, a) -> needed.put(name, a.getShape().getShape()));
        boolean tied = config.tie_word_embeddings() && config.head() == ModelHead.CAUSAL_LM;
        if (tied && needed.containsKey("lm_head.weight")) {
            throw new ModelException(s.adapter() + " changes lm_head, which " + s.model() + " ties to its input"
                    + " embedding (tie_word_embeddings): a merged checkpoint would change the embedding too, which the"
                    + " adapter does not; use the adapter unmerged (--adapter)");
        }
        for (Map.Entry<String, long[]> e : needed.entrySet()) {
            HostTensor t = base.get(e.getKey());
            if (t == null) {
                throw new ModelException(weights + " has no tensor \"" + e.getKey() + "\", which the adapter "
                        + s.adapter() + " changes; is it an adapter for another model?");
            }
            if (!Arrays.equals(t.shape(), e.getValue())) {
                throw new ModelException(weights + ": \"" + e.getKey() + "\" has shape " + Arrays.toString(t.shape())
                        + ", the adapter " + s.adapter() + " needs " + Arrays.toString(e.getValue()) + " (as "
                        + s.model().resolve("config.json") + " says)");
            }
            if (!StorageDecoder.isFloat(t.dtype())) {
                throw new ModelException(weights + ": \"" + e.getKey() + "\" is stored as " + t.dtype()
                        + "; only F32, F16 and BF16 weights can be merged");
            }
        }
    }

    private static String manifest(Manifest planned, Tally t, String startedAt, long t0) {
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("modules_merged", (long) t.modules);
        counts.put("tensors_replaced", (long) t.replaced);
        counts.put("bytes", t.bytes);
        Manifest done = planned.withResults(counts, List.of(), startedAt, Instant.now().toString(), seconds(t0));
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(done) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A JSON file of the base model directory, or null when it has none. */
    private static JsonNode json(Path dir, String name) {
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelException(file + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    private static List<String> weightFiles(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".safetensors") || n.endsWith(".safetensors.index.json")).sorted().toList();
        } catch (IOException e) {
            throw new ModelException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }


    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Counts of one run. */
    private static final class Tally {
        int modules;
        int replaced;
        long bytes;
        final TreeSet<String> dtypes = new TreeSet<>();
    }
}

package dev.prefloop.engine.djl.train;

import dev.prefloop.core.PrefloopVersion;
import dev.prefloop.core.data.DatasetLocator;
import dev.prefloop.core.data.SliceSpec;
import dev.prefloop.core.output.FileFingerprint;
import dev.prefloop.core.output.Manifest;
import dev.prefloop.core.output.Manifests;
import dev.prefloop.engine.djl.text.TokenizationOptions;
import dev.prefloop.engine.djl.text.TokenizerFingerprint;
import dev.prefloop.engine.djl.weights.ModelFingerprint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * TrainingManifest is OUT/_manifest.json of {@code train} and {@code sft}, written after the final model: the
 * resolved options, the data's fingerprints and those of the model, its tokenizer files (they decide the ids of
 * text records) and the reference. A rerun whose planned manifest matches it does nothing (idempotent reruns for
 * Makefiles and scripts); anything else in a non-empty OUT still needs --resume or --force.
 */
final class TrainingManifest {

    private TrainingManifest() {}

    /** What a run with these inputs and options will be. */
    static Manifest planned(String verb, Map<String, Object> options, String data, Path model, Path reference,
            TokenizationOptions tokenization, long seed, LoraSettings lora) {
        Map<String, Object> all = new LinkedHashMap<>(options);
        all.put("tokenization", tokenization.manifestOptions());
        all.putAll(lora.manifestOptions());
        List<FileFingerprint> models = new ArrayList<>(ModelFingerprint.of(model));
        models.addAll(TokenizerFingerprint.of(model));
        if (reference != null) {
            models.addAll(ModelFingerprint.of(reference));
        }
        for (Path adapter : java.util.Arrays.asList(lora.adapter(), lora.refAdapter())) {
            if (adapter != null) {
                models.addAll(ModelFingerprint.ofAdapter(adapter));
            }
        }
        return Manifest.planned(verb, PrefloopVersion.get(), all, FileFingerprint.ofShards(DatasetLocator.locate(data)),
                models, seed, null);
    }

    /** Whether OUT already holds the finished output of {@code planned}. */
    static boolean upToDate(Path out, Manifest planned) {
        return Manifests.read(out, SliceSpec.ALL).map(planned::sameRunAs).orElse(false);
    }

    /** Writes the manifest of the finished run into OUT. */
    static void write(Path out, Manifest planned, TrainResult r, Instant started) {
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("steps", r.steps());
        counts.put("skipped_steps", r.skippedSteps());
        counts.put("tokens", r.tokens());
        r.skippedRecords().forEach((why, n) -> counts.put("skipped_records/" + why, n));
        try {
            Manifests.write(out, SliceSpec.ALL, planned.withResults(counts, List.of(), started.toString(),
                    Instant.now().toString(), r.seconds()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the manifest into " + out, e);
        }
    }
}

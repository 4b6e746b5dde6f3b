package dev.prefloop.engine.djl.train;

import dev.prefloop.core.data.DatasetLocator;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.core.progress.Progress;
import dev.prefloop.engine.djl.loss.LdWeighting;
import dev.prefloop.engine.djl.loss.LossRegistry;
import dev.prefloop.engine.djl.loss.PreferenceLoss;
import dev.prefloop.engine.djl.model.DecoderConfig;
import dev.prefloop.engine.djl.model.DeviceSpec;
import dev.prefloop.engine.djl.model.LlamaModel;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.output.Manifest;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PreferenceTraining is {@code prefloop train}: read and truncate the pairs, settle the reference
 * log-probabilities (from the data, the cache, or one pass of the reference model, which is then freed), train
 * the policy with the chosen losses and write checkpoints, metrics and the final model under OUT.
 */
public final class PreferenceTraining {

    /** Losses that read per-token reference log-probabilities (the pilot sums over drawn positions). */
    private static final Set<String> PER_TOKEN_REFERENCE = Set.of("sgdpo");

    /** Losses that read which completion of a pair the reference model generated. */
    private static final Set<String> REFERENCE_RESPONSE = Set.of("xpo", "xpo_ipo");

    /** The reference-free CPO family: no reference log-probabilities are needed. */
    private static final Set<String> REFERENCE_FREE = Set.of("cpo_sigmoid", "cpo_hinge", "cpo_ipo", "simpo", "alphapo");

    private static final Logger LOG = LoggerFactory.getLogger(PreferenceTraining.class);

    private final Progress progress;

    /** A service reporting progress to {@code progress}. */
    public PreferenceTraining(Progress progress) {
        this.progress = progress;
    }

    /** The loss the settings describe (rpo_alpha adds sft with that weight, as DPOTrainer does). */
    public static PreferenceLoss loss(PreferenceTrainingSettings s) {
        List<String> names = new ArrayList<>(s.losses());
        double[] weights = s.lossWeights();
        for (String n : names) {
            String name = LossRegistry.entry(n).name();
            if (PER_TOKEN_REFERENCE.contains(name) && !Double.isNaN(s.ldAlpha())) {
                throw new UsageException("--loss " + n + " sums plain token logps over its pilot positions; it does not"
                        + " combine with --ld-alpha");
            }
        }
        if (!Double.isNaN(s.rpoAlpha())) {
            names.add("sft");
            weights = weights == null ? ones(names.size()) : Arrays.copyOf(weights, names.size());
            weights[names.size() - 1] = s.rpoAlpha();
            if (s.lossWeights() != null && s.lossWeights().length != s.losses().size()) {
                throw new UsageException("--loss-weights has " + s.lossWeights().length + " values for "
                        + s.losses().size() + " losses");
            }
        }
        return LossRegistry.mix(names, weights, s.useWeighting(), s.lossSettings());
    }

    /** Runs the whole job. */
    public TrainResult run(PreferenceTrainingSettings s) {
        if (IopoTraining.isIopo(s)) {
            throw new UsageException("--loss iopo is a two-player game: run it with IopoTraining");
        }
        PreferenceLoss loss = loss(s);
        LdWeighting ld = Double.isNaN(s.ldAlpha()) ? null : new LdWeighting(s.ldAlpha());
        boolean referenceFree = s.losses().stream().allMatch(n -> REFERENCE_FREE.contains(LossRegistry.entry(n).name()));
        Instant started = Instant.now();
        Manifest planned = TrainingManifest.planned("train", manifestOptions(s), s.data(), s.model(), s.reference(),
                s.tokenization(), s.args().seed(), s.lora());
        if (!s.resume() && !s.force() && TrainingManifest.upToDate(s.out(), planned)) {
            LOG.info("{} is up to date (same data, models, options and prefloop version); --force redoes it", s.out());
            return TrainResult.upToDate(s.out());
        }
        Optional<Path> resumeFrom = OutputDirectory.prepare(s.out(), s.resume(), s.force());
        DecoderConfig config = DecoderConfig.read(s.model());
        SkippedRecords skipped = new SkippedRecords();
        List<TokenizedPair> pairs;
        String tokenizerIdentity;
        try (TextRecordSource source = new TextRecordSource(s.model(), s.tokenization(), config.vocab_size())) {
            pairs = TrainingSet.pairs(DatasetLocator.locate(s.data()), source, s.args().truncation(), skipped);
            tokenizerIdentity = source.usedText() ? source.identity() : "ids";
        }
        LOG.info("{} pairs to train on, {} skipped {}", pairs.size(), skipped.total(), skipped.byReason());
        float[] referenceResponses = s.losses().stream()
                .anyMatch(n -> REFERENCE_RESPONSE.contains(LossRegistry.entry(n).name())) ? referenceResponses(pairs) : null;
        long padId = config.pad_token_id() == null ? 0 : config.pad_token_id();
        DeviceSpec device = DeviceSpec.parse(s.device());
        boolean perToken = s.losses().stream().anyMatch(n -> PER_TOKEN_REFERENCE.contains(LossRegistry.entry(n).name()));
        try (PolicyModel model = PolicyModel.open(s.model(), s.lora(), resumeFrom, device, s.args().seed())) {
            OutputDirectory.create(s.out(), s.resume(), s.force()); // after the model and adapter loaded: bad ones leave no OUT
            LlamaModel policy = model.policy();
            ReferenceSource refs = new ReferenceSource(s, device, model.base(), resumeFrom.isPresent() ? null : policy);
            ReferenceTokenLogps tokenReference = perToken
                    ? tokenReference(s, pairs, padId, refs, tokenizerIdentity) : null;
            ReferenceTable reference = referenceFree ? null
                    : tokenReference != null ? tokenReference.sums()
                    : reference(s, pairs, padId, refs, ld, tokenizerIdentity);
            LOG.info("resident set before training: {} MiB (peak so far {} MiB)", ProcessMemory.rssBytes() >> 20,
                    ProcessMemory.peakRssBytes() >> 20);
            PreferenceObjective objective = new PreferenceObjective(pairs, reference, loss, s.useWeighting(), padId,
                    PairLayout.forModel(config), ld);
            if (referenceResponses != null) {
                objective.markReferenceResponses(referenceResponses);
            }
            if (tokenReference != null) {
                objective.drawSgdpoPilots(tokenReference, s.lossSettings(), s.args().seed());
            }
            Trainer trainer = new Trainer(s.args(), objective, s.out(), ModelFiles.of(s.model()), progress);
            TrainResult r = trainer.train(policy, resumeFrom.orElse(null));
            LOG.info("trained {} steps ({} skipped); {} records skipped {}; peak resident set {} MiB", r.steps(),
                    r.skippedSteps(), skipped.total(), skipped.byReason(), r.peakRssBytes() >> 20);
            TrainResult done = r.withSkippedRecords(skipped.byReason());
            TrainingManifest.write(s.out(), planned, done, started);
            return done;
        }
    }

    /**
     * The reference table: the data's values when every pair has them; else the cache in OUT when it matches;
     * else one pass of the reference model ({@link ReferenceSource}), written to the cache.
     */
    private ReferenceTable reference(PreferenceTrainingSettings s, List<TokenizedPair> pairs, long padId,
            ReferenceSource refs, LdWeighting ld, String tokenizerIdentity) {
        ReferenceTable fromData = ReferenceLogps.fromData(pairs);
        if (fromData != null && ld != null) {
            LOG.info("ld_alpha is set: the data's reference log-probabilities are plain sums, so they are recomputed");
        } else if (fromData != null) {
            LOG.info("reference log-probabilities taken from the data (ref_chosen_logps, ref_rejected_logps)");
            return fromData;
        }
        String fingerprint = ReferenceLogps.fingerprint(pairs, refs.identity()
                + (ld == null ? "" : "|ld_alpha=" + s.ldAlpha()) + "|" + tokenizerIdentity);
        Path cache = s.out().resolve(ReferenceLogps.CACHE_FILE);
        ReferenceTable cached = ReferenceLogps.readCache(cache, fingerprint, pairs.size());
        if (cached != null) {
            return cached;
        }
        ReferenceTable computed = refs.apply(ref -> ReferenceLogps.compute(ref, pairs, s.args().batchSize(),
                s.args().microBatchTokens(), padId, progress, ld));
        ReferenceLogps.writeCache(cache, fingerprint, computed);
        LOG.info("reference log-probabilities of {} pairs computed and cached in {}", pairs.size(), cache);
        return computed;
    }

    /** The options that decide the output, as the manifest records them. */
    static Map<String, Object> manifestOptions(PreferenceTrainingSettings s) {
        Map<String, Object> m = new LinkedHashMap<>(JsonCodec.mapper().convertValue(s.args().toJson(),
                new TypeReference<Map<String, Object>>() { }));
        m.put("loss", s.losses());
        m.put("loss_weights", s.lossWeights() == null ? null : Arrays.stream(s.lossWeights()).boxed().toList());
        m.put("use_weighting", s.useWeighting());
        m.put("rpo_alpha", Double.isNaN(s.rpoAlpha()) ? null : s.rpoAlpha());
        m.put("ld_alpha", Double.isNaN(s.ldAlpha()) ? null : s.ldAlpha());
        m.put("loss_settings", s.lossSettings().toString());
        return m;
    }

    /**
     * The reference's token logps for losses that need them: the cache in OUT when it matches, else one pass of the
     * reference model as {@link #reference} makes it (the data's sums cannot give per-token values).
     */
    private ReferenceTokenLogps tokenReference(PreferenceTrainingSettings s, List<TokenizedPair> pairs, long padId,
            ReferenceSource refs, String tokenizerIdentity) {
        String fingerprint = ReferenceLogps.fingerprint(pairs, refs.identity() + "|per_token|" + tokenizerIdentity);
        Path cache = s.out().resolve(ReferenceTokenLogps.CACHE_FILE);
        ReferenceTokenLogps cached = ReferenceTokenLogps.readCache(cache, fingerprint, pairs);
        if (cached != null) {
            LOG.info("reference token log-probabilities of {} pairs read from {}", pairs.size(), cache);
            return cached;
        }
        ReferenceTokenLogps computed = refs.apply(ref -> ReferenceTokenLogps.compute(ref, pairs, s.args().batchSize(),
                s.args().microBatchTokens(), padId, progress));
        computed.writeCache(cache, fingerprint);
        LOG.info("reference token log-probabilities of {} pairs computed and cached in {}", pairs.size(), cache);
        return computed;
    }

    /** Per pair, 1 where the chosen completion is the reference's, 0 where the rejected one is (XPO's y_ref). */
    private static float[] referenceResponses(List<TokenizedPair> pairs) {
        float[] m = new float[pairs.size()];
        for (int i = 0; i < m.length; i++) {
            m[i] = pairs.get(i).source().chosenFromReference();
        }
        return m;
    }

    private static double[] ones(int n) {
        double[] w = new double[n];
        Arrays.fill(w, 1.0);
        return w;
    }
}

package dev.prefloop.engine.djl.train;

import dev.prefloop.core.data.DatasetLocator;
import dev.prefloop.core.progress.Progress;
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
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SftTraining is {@code prefloop sft}: supervised fine-tuning on prompt-completion records (text or ids), loss on
 * completions only, or on {@code messages} conversations, loss on assistant turns only.
 */
public final class SftTraining {

    private static final Logger LOG = LoggerFactory.getLogger(SftTraining.class);

    private final Progress progress;

    /** A service reporting progress to {@code progress}. */
    public SftTraining(Progress progress) {
        this.progress = progress;
    }

    /** Runs the whole job. */
    public TrainResult run(SftTrainingSettings s) {
        Instant started = Instant.now();
        Map<String, Object> options = new LinkedHashMap<>(JsonCodec.mapper().convertValue(s.args().toJson(),
                new TypeReference<Map<String, Object>>() { }));
        options.put("packing", s.packing());
        Manifest planned = TrainingManifest.planned("sft", options, s.data(), s.model(), null, s.tokenization(),
                s.args().seed(), s.lora());
        if (!s.resume() && !s.force() && TrainingManifest.upToDate(s.out(), planned)) {
            LOG.info("{} is up to date (same data, model, options and prefloop version); --force redoes it", s.out());
            return TrainResult.upToDate(s.out());
        }
        Optional<Path> resumeFrom = OutputDirectory.prepare(s.out(), s.resume(), s.force());
        DecoderConfig config = DecoderConfig.read(s.model());
        SkippedRecords skipped = new SkippedRecords();
        List<TokenizedCompletion> records;
        try (TextRecordSource source = new TextRecordSource(s.model(), s.tokenization(), config.vocab_size())) {
            records = TrainingSet.completions(DatasetLocator.locate(s.data()), source, s.args().truncation(), skipped);
        }
        LOG.info("{} records to train on, {} skipped {}", records.size(), skipped.total(), skipped.byReason());
        long padId = config.pad_token_id() == null ? 0 : config.pad_token_id();
        try (PolicyModel policy = PolicyModel.open(s.model(), s.lora(), resumeFrom, DeviceSpec.parse(s.device()),
                s.args().seed())) {
            OutputDirectory.create(s.out(), s.resume(), s.force()); // after the model and adapter loaded: bad ones leave no OUT
            LlamaModel model = policy.policy();
            TrainingObjective objective = s.packing()
                    ? new PackedSftObjective(records, s.args().maxLength(), padId)
                    : new SftObjective(records, padId);
            if (s.packing()) {
                LOG.info("{} records packed into {} rows of at most {} tokens", records.size(), objective.size(),
                        s.args().maxLength());
            }
            Trainer trainer = new Trainer(s.args(), objective, s.out(), ModelFiles.of(s.model()), progress);
            TrainResult r = trainer.train(model, resumeFrom.orElse(null));
            LOG.info("trained {} steps ({} skipped); {} records skipped {}; peak resident set {} MiB", r.steps(),
                    r.skippedSteps(), skipped.total(), skipped.byReason(), r.peakRssBytes() >> 20);
            TrainResult done = r.withSkippedRecords(skipped.byReason());
            TrainingManifest.write(s.out(), planned, done, started);
            return done;
        }
    }
}

package dev.prefloop.engine.djl.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.DatasetLocator;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.core.output.Manifest;
import dev.prefloop.core.progress.Progress;
import dev.prefloop.engine.djl.loss.LdWeighting;
import dev.prefloop.engine.djl.loss.LossRegistry;
import dev.prefloop.engine.djl.loss.PreferenceLoss;
import dev.prefloop.engine.djl.model.DecoderConfig;
import dev.prefloop.engine.djl.model.DeviceSpec;
import dev.prefloop.engine.djl.model.LlamaModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IopoTraining is {@code prefloop train --loss iopo}: the protagonist and the adversary take turns
 * ({@link IopoSchedule}); in each phase the training player is the policy of an ordinary {@link Trainer} run and
 * the frozen player is its reference, its log-probabilities computed once for the phase without gradient. Each
 * phase writes its checkpoints, metrics and resulting weights under {@code OUT/iopo/phase-K-PLAYER}, so OUT
 * always holds both players and the phase reached, and {@code --resume} continues inside or after any phase.
 * The protagonist ends at OUT, the adversary at OUT/adversary. With LoRA both players are adapters on one frozen
 * base ({@link IopoPlayers}), so one copy of the weights is in memory and OUT holds two PEFT adapters.
 */
public final class IopoTraining {

    /** The directory under OUT holding the phases. */
    public static final String PHASES_DIR = "iopo";

    /** The adversary's final weights under OUT. */
    public static final String ADVERSARY_DIR = "adversary";

    private static final Logger LOG = LoggerFactory.getLogger(IopoTraining.class);

    private final Progress progress;

    /** A service reporting progress to {@code progress}. */
    public IopoTraining(Progress progress) {
        this.progress = progress;
    }

    /** Whether the settings ask for IOPO (it trains alone: the frozen player is every loss's reference). */
    public static boolean isIopo(PreferenceTrainingSettings s) {
        boolean iopo = s.losses().stream().anyMatch(n -> LossRegistry.entry(n).name().equals("iopo"));
        if (iopo && s.reference() != null) {
            throw new UsageException("--loss iopo has no separate reference (the frozen player is each phase's"
                    + " reference); drop --ref, give the adversary's start with --adversary-model");
        }
        return iopo;
    }

    /** Runs the whole game. */
    public TrainResult run(PreferenceTrainingSettings s, IopoSchedule schedule) {
        PreferenceLoss loss = PreferenceTraining.loss(s);
        LdWeighting ld = Double.isNaN(s.ldAlpha()) ? null : new LdWeighting(s.ldAlpha());
        Instant started = Instant.now();
        Map<String, Object> options = new LinkedHashMap<>(PreferenceTraining.manifestOptions(s));
        options.put("iopo_schedule", schedule.manifestOptions());
        Manifest planned = TrainingManifest.planned("train", options, s.data(), s.model(), schedule.adversaryModel(),
                s.tokenization(), s.args().seed(), s.lora());
        if (!s.resume() && !s.force() && TrainingManifest.upToDate(s.out(), planned)) {
            LOG.info("{} is up to date (same data, models, options and prefloop version); --force redoes it", s.out());
            return TrainResult.upToDate(s.out());
        }
        Path phasesDir = s.out().resolve(PHASES_DIR);
        if (s.resume() && !Files.isDirectory(phasesDir)) {
            throw new UsageException("--resume: " + s.out() + " holds no IOPO phase (" + PHASES_DIR + "/phase-K-PLAYER);"
                    + " start without --resume");
        }
        if (!s.resume()) {
            OutputDirectory.prepare(s.out(), false, s.force());
        }
        if (s.lora().enabled() && schedule.adversaryModel() != null) {
            throw new UsageException("--adversary-model with LoRA: both players are adapters on --model (they start"
                    + " from --adapter when given, else from new adapters)");
        }
        DecoderConfig config = DecoderConfig.read(s.model());
        Path adversaryStart = schedule.adversaryModel() != null ? schedule.adversaryModel() : s.model();
        DecoderConfig.read(adversaryStart); // a bad --adversary-model fails here, before any output
        SkippedRecords skipped = new SkippedRecords();
        List<TokenizedPair> pairs;
        try (TextRecordSource source = new TextRecordSource(s.model(), s.tokenization(), config.vocab_size())) {
            pairs = TrainingSet.pairs(DatasetLocator.locate(s.data()), source, s.args().truncation(), skipped);
        }
        List<TokenizedPair> swapped = schedule.zeroSum() ? swapped(pairs) : pairs;
        LOG.info("{} pairs to train on, {} skipped {}", pairs.size(), skipped.total(), skipped.byReason());
        long padId = config.pad_token_id() == null ? 0 : config.pad_token_id();
        DeviceSpec device = DeviceSpec.parse(s.device());
        StepPlan epoch = new StepPlan(pairs.size(), s.args().batchSize(), s.args().gradientAccumulationSteps(), 1, 0,
                s.args().seed());
        List<IopoSchedule.Phase> phases = schedule.phases(epoch.stepsPerEpoch());
        ModelFiles protagonistFiles = ModelFiles.of(s.model());
        ModelFiles adversaryFiles = ModelFiles.of(adversaryStart);
        // Each player starts from its last finished phase, if any: the weights it had when the run stopped.
        // A fresh run ignores what OUT holds: --force clears it once both players have loaded.
        Optional<Path> mu = s.resume() ? lastFinished(phasesDir, phases, IopoSchedule.Player.PROTAGONIST)
                : Optional.empty();
        Optional<Path> nu = s.resume() ? lastFinished(phasesDir, phases, IopoSchedule.Player.ADVERSARY)
                : Optional.empty();
        long steps = 0;
        long skippedSteps = 0;
        long tokens = 0;
        double seconds = 0;
        double lastLoss = Double.NaN;
        try (IopoPlayers players = s.lora().enabled()
                ? IopoPlayers.adapters(s.model(), s.lora(), device, s.args().seed())
                : IopoPlayers.models(s.model(), adversaryStart, device)) {
            LlamaModel protagonist = players.open(IopoSchedule.Player.PROTAGONIST, mu);
            LlamaModel adversary = players.open(IopoSchedule.Player.ADVERSARY, nu);
            OutputDirectory.create(s.out(), s.resume(), s.force()); // after both players loaded: bad ones leave no OUT
            for (IopoSchedule.Phase phase : phases) {
                Path dir = phasesDir.resolve(phase.dirName());
                if (finished(dir)) {
                    steps += phase.steps();
                    continue;
                }
                boolean protagonistTrains = phase.player() == IopoSchedule.Player.PROTAGONIST;
                Optional<Path> checkpoint = Files.isDirectory(dir) ? TrainerCheckpoint.latest(dir) : Optional.empty();
                if (checkpoint.isPresent()) {
                    if (protagonistTrains) {
                        players.release(protagonist);
                        protagonist = players.open(phase.player(), checkpoint);
                    } else {
                        players.release(adversary);
                        adversary = players.open(phase.player(), checkpoint);
                    }
                } else {
                    TrainerCheckpoint.deleteRecursively(dir); // a phase stopped before its first checkpoint restarts
                    createDirectories(dir);
                }
                LlamaModel learner = protagonistTrains ? protagonist : adversary;
                LlamaModel frozen = protagonistTrains ? adversary : protagonist;
                List<TokenizedPair> phasePairs = protagonistTrains ? pairs : swapped;
                LOG.info("IOPO phase {} of {}: the {} trains {} steps against the frozen {}", phase.index() + 1,
                        phases.size(), phase.player().label(), phase.steps(), protagonistTrains ? "adversary"
                                : "protagonist");
                // Frozen for the whole phase: its sums are computed once, without keeping activations.
                ReferenceTable table = ReferenceLogps.compute(frozen, phasePairs, s.args().batchSize(),
                        s.args().microBatchTokens(), padId, progress, ld);
                PreferenceObjective objective = new PreferenceObjective(phasePairs, table, loss, s.useWeighting(),
                        padId, PairLayout.forModel(config), ld);
                TrainResult r = new Trainer(phaseArguments(s.args(), phase), objective, dir,
                        protagonistTrains ? protagonistFiles : adversaryFiles, progress)
                        .train(learner, checkpoint.orElse(null));
                steps += r.steps();
                skippedSteps += r.skippedSteps();
                tokens += r.tokens();
                seconds += r.seconds();
                lastLoss = protagonistTrains ? r.lastLoss() : lastLoss;
                writeMetrics(s.out(), phasesDir, phases);
            }
            writeMetrics(s.out(), phasesDir, phases);
            Path adversaryOut = s.out().resolve(ADVERSARY_DIR);
            createDirectories(adversaryOut);
            Trainer.writeModel(adversary, adversaryFiles, adversaryOut);
            Trainer.writeModel(protagonist, protagonistFiles, s.out());
            LOG.info("IOPO: {} phases, {} steps; protagonist at {}, adversary at {}", phases.size(), steps, s.out(),
                    adversaryOut);
        }
        TrainResult done = new TrainResult(steps, skippedSteps, lastLoss, tokens, seconds, ProcessMemory.peakRssBytes(),
                s.out(), skipped.byReason());
        TrainingManifest.write(s.out(), planned, done, started);
        return done;
    }

    /** The run's arguments for one phase: its step count, and a seed of its own so phases see other orders. */
    static TrainingArguments phaseArguments(TrainingArguments a, IopoSchedule.Phase phase) {
        return new TrainingArguments(a.learningRate(), a.numTrainEpochs(), phase.steps(), a.batchSize(),
                a.gradientAccumulationSteps(), a.microBatchTokens(), a.warmupRatio(), a.warmupSteps(),
                a.lrSchedulerType(), a.maxGradNorm(), a.weightDecay(), a.adamBeta1(), a.adamBeta2(), a.adamEpsilon(),
                a.seed() + phase.index(), a.loggingSteps(), a.saveSteps(), a.maxLength(), a.maxPromptLength(),
                a.maxNonFiniteSteps());
    }

    /** A phase is finished when its weights are written (config.json, or a LoRA run's adapter_config.json, last). */
    private static boolean finished(Path phaseDir) {
        return ModelOutput.isComplete(phaseDir);
    }

    private static Optional<Path> lastFinished(Path phasesDir, List<IopoSchedule.Phase> phases,
            IopoSchedule.Player player) {
        Optional<Path> last = Optional.empty();
        for (IopoSchedule.Phase p : phases) {
            Path dir = phasesDir.resolve(p.dirName());
            if (!finished(dir)) {
                break;
            }
            if (p.player() == player) {
                last = Optional.of(dir);
            }
        }
        return last;
    }

    /** Zero-sum: the adversary prefers y_l, so its pairs (and the ratio r) have the completions swapped. */
    private static List<TokenizedPair> swapped(List<TokenizedPair> pairs) {
        List<TokenizedPair> out = new ArrayList<>(pairs.size());
        for (TokenizedPair p : pairs) {
            out.add(new TokenizedPair(p.prompt(), p.rejected(), p.chosen(), p.refRejected(), p.refChosen(), p.source()));
        }
        return out;
    }

    /**
     * OUT/metrics.jsonl: the phases' metrics.jsonl lines in order, {@code step} counted over the whole game, with
     * {@code iopo/phase}, {@code iopo/player} and {@code iopo/phase_step}; rebuilt whole, so a resume rewrites it.
     */
    private static void writeMetrics(Path out, Path phasesDir, List<IopoSchedule.Phase> phases) {
        StringBuilder b = new StringBuilder();
        long offset = 0;
        try {
            for (IopoSchedule.Phase p : phases) {
                Path file = phasesDir.resolve(p.dirName()).resolve(MetricsLog.FILE);
                if (Files.isRegularFile(file)) {
                    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                        if (line.isBlank()) {
                            continue;
                        }
                        ObjectNode o = (ObjectNode) JsonCodec.mapper().readTree(line);
                        long local = o.path("step").asLong();
                        ObjectNode g = JsonCodec.mapper().createObjectNode();
                        g.put("step", offset + local);
                        g.put("iopo/phase", p.index());
                        g.put("iopo/player", p.player().label());
                        g.put("iopo/phase_step", local);
                        o.remove("step");
                        g.setAll(o);
                        b.append(JsonCodec.mapper().writeValueAsString(g)).append('\n');
                    }
                }
                offset += p.steps();
            }
            Path tmp = out.resolve(MetricsLog.FILE + ".partial");
            Files.writeString(tmp, b.toString(), StandardCharsets.UTF_8);
            Files.move(tmp, out.resolve(MetricsLog.FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out.resolve(MetricsLog.FILE), e);
        }
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }
}

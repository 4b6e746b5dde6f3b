package dev.prefloop.engine.djl.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.core.progress.Progress;
import dev.prefloop.engine.djl.TorchRuntime;
import dev.prefloop.engine.djl.model.LlamaModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trainer runs the optimisation loop shared by SFT and preference training: per optimizer step, the step's
 * examples ({@link StepPlan}) in micro-batches, each forward and backward in its own GradientCollector and all
 * of it inside one {@link NDScope} plus sub-manager; then global-norm clipping, an AdamW update at the
 * schedule's rate, zeroed gradients, metrics and checkpoints. A non-finite loss or gradient norm skips the
 * update; {@code max_nonfinite_steps} of them in a row write a checkpoint and stop the run.
 */
public final class Trainer {

    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    private final TrainingArguments args;
    private final TrainingObjective objective;
    private final Path out;
    private final ModelFiles files;
    private final Progress progress;
    private final StepPlan plan;
    private final LrSchedule schedule;

    /** A trainer writing checkpoints, metrics.jsonl and the final model under {@code out}. */
    public Trainer(TrainingArguments args, TrainingObjective objective, Path out, ModelFiles files, Progress progress) {
        this.args = args;
        this.objective = objective;
        this.out = out;
        this.files = files;
        this.progress = progress;
        this.plan = new StepPlan(objective.size(), args.batchSize(), args.gradientAccumulationSteps(),
                args.numTrainEpochs(), args.maxSteps(), args.seed());
        long total = plan.totalSteps();
        this.schedule = new LrSchedule(args.lrSchedulerType(), args.learningRate(),
                LrSchedule.warmupSteps(args.warmupSteps(), args.warmupRatio(), total), total);
    }

    /** The step plan (examples per step, total steps). */
    public StepPlan plan() {
        return plan;
    }

    /** The learning-rate schedule of the run. */
    public LrSchedule schedule() {
        return schedule;
    }

    /**
     * Trains {@code model} (float32; loaded from {@code resumeFrom} when resuming) and writes the final model to
     * OUT. With {@code resumeFrom} a checkpoint directory, the optimizer and position are restored from it.
     */
    public TrainResult train(LlamaModel model, Path resumeFrom) {
        Engine engine = TorchRuntime.engine();
        Map<String, NDArray> params = objective.trainableParameters(model);
        for (NDArray p : params.values()) {
            p.setRequiresGradient(true);
        }
        TrainerState state = TrainerState.start();
        boolean dropout = model.adapter() != null && model.adapter().config().loraDropout() > 0;
        try (AdamW optimizer = new AdamW(params, args.adamBeta1(), args.adamBeta2(), args.adamEpsilon(),
                args.weightDecay()); NDManager base = engine.newBaseManager(model.device())) {
            if (resumeFrom != null) {
                TrainerCheckpoint.requireSameArguments(resumeFrom, args);
                state = TrainerCheckpoint.readState(resumeFrom);
                TrainerCheckpoint.restoreOptimizer(resumeFrom, optimizer);
                if (optimizer.steps() != state.globalStep() - state.skippedSteps()) {
                    throw new ModelException(resumeFrom + ": optimizer.pt counts " + optimizer.steps() + " updates, but"
                            + " prefloop_state.json " + state.globalStep() + " steps with " + state.skippedSteps()
                            + " skipped");
                }
                LOG.info("resuming from {} at step {} of {}", resumeFrom, state.globalStep(), plan.totalSteps());
            }
            MetricsLog metrics = new MetricsLog(out, state.globalStep());
            LOG.info(String.format(Locale.ROOT, "training %d examples: %d steps (%d per epoch) of %d x %d examples,"
                    + " %s schedule, warmup %d steps, peak lr %s", objective.size(), plan.totalSteps(),
                    plan.stepsPerEpoch(), args.batchSize(), args.gradientAccumulationSteps(),
                    schedule.type().optionName(), schedule.warmupSteps(), args.learningRate()));
            long tokens = 0;
            long started = System.nanoTime();
            progress.start("training", "steps", plan.totalSteps());
            progress.advance(state.globalStep());
            while (state.globalStep() < plan.totalSteps()) {
                long t0 = System.nanoTime();
                long step = state.globalStep();
                Map<String, Double> values = new LinkedHashMap<>();
                objective.beginStep(step);
                if (dropout) {
                    // LoRA dropout draws from libtorch's generator: seeded per step, so --resume redraws the same masks
                    engine.setRandomSeed((int) (args.seed() * 1_000_003L + step));
                }
                long stepTokens;
                model.setTraining(true);
                try {
                    stepTokens = runStep(engine, base, model, params, plan.examples(step), values);
                } finally {
                    model.setTraining(false);
                }
                double loss = values.get("loss");
                double gradNorm = GradientClipping.clip(params, args.maxGradNorm());
                boolean finite = Double.isFinite(loss) && Double.isFinite(gradNorm);
                if (finite) {
                    optimizer.step(schedule.at(step));
                }
                GradientClipping.zero(params);
                tokens += stepTokens;
                state = new TrainerState(step + 1, state.skippedSteps() + (finite ? 0 : 1),
                        finite ? 0 : state.consecutiveNonFinite() + 1, state.tokensSeen() + stepTokens);
                if (finite) {
                    values.put("grad_norm", gradNorm);
                    metrics.add(values, stepTokens, (System.nanoTime() - t0) / 1e9);
                } else {
                    LOG.warn("step {}: non-finite {} ({} in a row); update skipped", step + 1,
                            Double.isFinite(loss) ? "gradient norm" : "loss", state.consecutiveNonFinite());
                }
                long done = state.globalStep();
                if ((done % args.loggingSteps() == 0 || done == plan.totalSteps()) && metrics.pending()) {
                    // transformers 5 logs the rate the last step used (read before the scheduler steps), not the next one's
                    JsonNode line = metrics.flush(done, plan.epochAfter(done), schedule.at(done - 1));
                    LOG.info("step {}/{}: {}", done, plan.totalSteps(), line);
                }
                if (state.consecutiveNonFinite() >= args.maxNonFiniteSteps()) {
                    Path ckpt = TrainerCheckpoint.save(out, files, model, optimizer, schedule, args, plan, state,
                            metrics.history());
                    throw new TrainingStoppedException(state.consecutiveNonFinite() + " steps in a row (through step "
                            + done + ") had a non-finite loss or gradient; stopped, state saved in " + ckpt
                            + ". Lower --learning-rate or check the data, then --resume");
                }
                if (args.saveSteps() > 0 && done % args.saveSteps() == 0 && done < plan.totalSteps()) {
                    TrainerCheckpoint.save(out, files, model, optimizer, schedule, args, plan, state, metrics.history());
                }
                progress.advance(1);
            }
            progress.finish();
            writeModel(model, files, out);
            double seconds = (System.nanoTime() - started) / 1e9;
            JsonNode last = metrics.last();
            double lastLoss = last == null ? Double.NaN : last.path("loss").asDouble(Double.NaN);
            return new TrainResult(state.globalStep(), state.skippedSteps(), lastLoss, tokens, seconds,
                    ProcessMemory.peakRssBytes(), out, Map.of());
        }
    }

    /** Forward and backward of one step's micro-batches; the loss and averaged metrics go into {@code values}. */
    private long runStep(Engine engine, NDManager base, LlamaModel model, Map<String, NDArray> params, int[] examples,
            Map<String, Double> values) {
        List<int[]> micros = plan.microBatches(examples, objective::longestRow, objective.rowsPerExample(),
                args.microBatchTokens());
        double normaliser = objective.normaliser(examples);
        double loss = 0;
        long tokens = 0;
        Map<String, Double> metrics = new LinkedHashMap<>();
        try (NDScope scope = new NDScope(); NDManager step = base.newSubManager()) {
            scope.suppressNotUsedWarning();
            // Native scalar: a Java number here would be freed before backward reads it (djl-notes 2.3).
            NDArray scale = step.full(new Shape(), (float) (1.0 / normaliser));
            for (int[] micro : micros) {
                try (GradientCollector gc = engine.newGradientCollector()) {
                    TrainingObjective.Micro r = objective.compute(model, micro, step);
                    NDArray contribution = r.lossSum().mul(scale);
                    gc.backward(contribution);
                    loss += contribution.getFloat();
                    double share = (double) micro.length / examples.length;
                    r.metrics().forEach((k, v) -> metrics.merge(k, v * share, Double::sum));
                    tokens += r.tokens();
                }
            }
        }
        values.put("loss", loss);
        values.putAll(metrics);
        return tokens;
    }

    /**
     * The trained weights at {@code out} beside what else is there: the model in Hugging Face layout, config.json
     * last, or a LoRA run's adapter in PEFT's, adapter_config.json last.
     */
    static void writeModel(LlamaModel model, ModelFiles files, Path out) {
        Path partial = out.resolve(".final.partial");
        TrainerCheckpoint.deleteRecursively(partial);
        ModelOutput.write(model, files, partial);
        String marker = ModelOutput.marker(model);
        try (Stream<Path> s = Files.list(partial)) {
            List<Path> written = s.sorted((a, b) -> a.getFileName().toString().equals(marker) ? 1
                    : b.getFileName().toString().equals(marker) ? -1 : a.compareTo(b)).toList();
            // The marker last: a directory with it holds complete weights.
            for (Path f : written) {
                Files.move(f, out.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            }
            Files.delete(partial);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move the final model into " + out, e);
        }
        LOG.info("final {} written to {}", model.adapter() != null ? "LoRA adapter" : "model", out);
    }
}

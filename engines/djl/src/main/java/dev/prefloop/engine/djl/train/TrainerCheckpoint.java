package dev.prefloop.engine.djl.train;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.engine.djl.model.LlamaModel;
import dev.prefloop.engine.djl.weights.HostTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * TrainerCheckpoint writes and reads {@code OUT/checkpoint-N} as TRL's Trainer lays it out: the model in Hugging
 * Face layout (config.json, model.safetensors, tokenizer files) or a LoRA run's adapter in PEFT's, trainer_state.json with transformers' TrainerState
 * fields, optimizer.pt and scheduler.pt as torch.save writes AdamW's and LambdaLR's state dicts (so a TRL run
 * resumes from them), rng_state.json (how prefloop seeds its shuffle; not transformers' pickled rng_state.pth),
 * training_args.json and prefloop_state.json (the data position). The directory is filled under a hidden name and renamed whole.
 */
public final class TrainerCheckpoint {

    /** Written last: a checkpoint without it is incomplete. */
    public static final String STATE_FILE = "trainer_state.json";

    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d+)");

    private TrainerCheckpoint() {}

    /** The model's parameters as float32 host tensors under their HF names. */
    public static Map<String, HostTensor> weights(LlamaModel model) {
        Map<String, HostTensor> t = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            t.put(e.getKey(), HostTensor.float32(e.getValue()));
        }
        return t;
    }

    /** Writes checkpoint-{globalStep} under {@code out} and returns its path. */
    public static Path save(Path out, ModelFiles files, LlamaModel model, AdamW optimizer, LrSchedule schedule,
            TrainingArguments args, StepPlan plan, TrainerState state, ArrayNode logHistory) {
        long step = state.globalStep();
        Path target = out.resolve("checkpoint-" + step);
        Path partial = out.resolve(".checkpoint-" + step + ".partial");
        deleteRecursively(partial);
        ModelOutput.write(model, files, partial);
        AdamWStateFile.write(partial.resolve(AdamWStateFile.FILE), optimizer, schedule.at(step), schedule.learningRate());
        LambdaLrStateFile.write(partial.resolve(LambdaLrStateFile.FILE), schedule, step);
        ObjectNode rng = JsonCodec.mapper().createObjectNode();
        rng.put("seed", args.seed());
        rng.put("shuffle", "java.util.Random(seed * 1000003 + epoch), Fisher-Yates per epoch");
        writeJson(partial.resolve("rng_state.json"), rng);
        writeJson(partial.resolve("training_args.json"), args.toJson());
        ObjectNode position = JsonCodec.mapper().createObjectNode();
        position.put("global_step", step);
        position.put("epoch_index", step / plan.stepsPerEpoch());
        position.put("step_in_epoch", step % plan.stepsPerEpoch());
        position.put("skipped_steps", state.skippedSteps());
        position.put("consecutive_nonfinite_steps", state.consecutiveNonFinite());
        position.put("num_input_tokens_seen", state.tokensSeen());
        writeJson(partial.resolve("prefloop_state.json"), position);
        writeJson(partial.resolve(STATE_FILE), trainerState(args, plan, state, logHistory));
        try {
            deleteRecursively(target);
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move checkpoint into " + target, e);
        }
        return target;
    }

    /** transformers' TrainerState fields, so the Trainer's own tools read it. */
    private static ObjectNode trainerState(TrainingArguments args, StepPlan plan, TrainerState state,
            ArrayNode logHistory) {
        ObjectNode o = JsonCodec.mapper().createObjectNode();
        o.putNull("best_global_step");
        o.putNull("best_metric");
        o.putNull("best_model_checkpoint");
        o.put("epoch", plan.epochAfter(state.globalStep()));
        o.put("eval_steps", args.saveSteps());
        o.put("global_step", state.globalStep());
        o.put("is_hyper_param_search", false);
        o.put("is_local_process_zero", true);
        o.put("is_world_process_zero", true);
        o.set("log_history", logHistory);
        o.put("logging_steps", args.loggingSteps());
        o.put("max_steps", plan.totalSteps());
        o.put("num_input_tokens_seen", state.tokensSeen());
        o.put("num_train_epochs", (long) Math.ceil((double) plan.totalSteps() / plan.stepsPerEpoch()));
        o.put("save_steps", args.saveSteps());
        o.putObject("stateful_callbacks");
        o.put("total_flos", 0.0);
        o.put("train_batch_size", args.batchSize());
        o.putNull("trial_name");
        o.putNull("trial_params");
        return o;
    }

    /** The complete checkpoint with the highest step under {@code out}, if any. */
    public static Optional<Path> latest(Path out) {
        if (!Files.isDirectory(out)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(out)) {
            return s.filter(p -> NAME.matcher(p.getFileName().toString()).matches())
                    .filter(p -> Files.isRegularFile(p.resolve(STATE_FILE)))
                    .max(Comparator.comparingLong(TrainerCheckpoint::stepOf));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + out, e);
        }
    }

    private static long stepOf(Path checkpoint) {
        Matcher m = NAME.matcher(checkpoint.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /** The run's position saved in a checkpoint. */
    public static TrainerState readState(Path checkpoint) {
        JsonNode p = readJson(checkpoint.resolve("prefloop_state.json"));
        return new TrainerState(p.path("global_step").asLong(), p.path("skipped_steps").asLong(),
                p.path("consecutive_nonfinite_steps").asInt(), p.path("num_input_tokens_seen").asLong());
    }

    /** Restores {@code optimizer}'s moments and update count from a checkpoint's optimizer.pt. */
    public static void restoreOptimizer(Path checkpoint, AdamW optimizer) {
        AdamWStateFile.restore(checkpoint.resolve(AdamWStateFile.FILE), optimizer);
    }

    /** Checks that a checkpoint was made with the same arguments as the resumed run, naming the first difference. */
    public static void requireSameArguments(Path checkpoint, TrainingArguments args) {
        JsonNode saved = readJson(checkpoint.resolve("training_args.json"));
        ObjectNode now = args.toJson();
        for (var it = now.fields(); it.hasNext(); ) {
            var e = it.next();
            JsonNode before = saved.get(e.getKey());
            // As text: JSON numbers read back as int or long nodes where they were written from longs.
            if (before == null || !e.getValue().asText().equals(before.asText())) {
                throw new UsageException("--resume: " + checkpoint + " was written with " + e.getKey() + " = "
                        + before + ", this run has " + e.getValue()
                        + "; resume with the same options, or start afresh with --force");
            }
        }
    }

    private static void writeJson(Path file, JsonNode node) {
        try {
            Files.writeString(file, JsonCodec.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static JsonNode readJson(Path file) {
        try {
            return JsonCodec.mapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    static void deleteRecursively(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(q);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + p, e);
        }
    }
}

package dev.prefloop.engine.djl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.core.progress.Progress;
import dev.prefloop.engine.djl.loss.LossSettings;
import dev.prefloop.engine.djl.text.TokenizationOptions;
import dev.prefloop.engine.djl.weights.HostTensor;
import dev.prefloop.engine.djl.weights.SafetensorsReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IOPO's two-player game: the phase schedule, frozen players, both outputs, resume across a phase boundary. */
class IopoTrainingTest {

    @TempDir
    Path tmp;

    private static IopoSchedule schedule(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        IopoSchedule s = IopoSchedule.take(m, null);
        assertTrue(m.isEmpty(), "every IOPO option taken: " + m);
        return s;
    }

    @Test
    void theScheduleAlternatesAndSkipsTheLastAdversaryPhaseUnlessAsked() {
        List<IopoSchedule.Phase> p = schedule().phases(5);
        assertEquals(List.of(new IopoSchedule.Phase(0, IopoSchedule.Player.PROTAGONIST, 5),
                new IopoSchedule.Phase(1, IopoSchedule.Player.ADVERSARY, 5),
                new IopoSchedule.Phase(2, IopoSchedule.Player.PROTAGONIST, 5)), p);
        List<IopoSchedule.Phase> q = schedule("iopo_rounds", "3", "iopo_steps_mu", "4", "iopo_steps_nu", "2",
                "iopo_final_adversary_phase", "true").phases(5);
        assertEquals(6, q.size());
        assertEquals(IopoSchedule.Player.ADVERSARY, q.get(5).player());
        assertEquals(4, q.get(4).steps());
        assertEquals(2, q.get(5).steps());
        UsageException e = assertThrows(UsageException.class, () -> schedule("adversary_objective", "coop"));
        assertTrue(e.getMessage().contains("mirror or zero-sum"), e.getMessage());
        assertThrows(UsageException.class, () -> schedule("iopo_rounds", "0"));
        UsageException unused = assertThrows(UsageException.class,
                () -> schedule("iopo_rounds", "3").requireUnused(List.of("sigmoid")));
        assertTrue(unused.getMessage().contains("--iopo-rounds is read by --loss iopo only"), unused.getMessage());
    }

    @Test
    void aGameAlternatesPerTheScheduleAndTheFrozenPlayerKeepsItsWeights() throws Exception {
        Path model = TinyModel.write(tmp.resolve("model"), 41);
        Path data = SyntheticData.writePairs(tmp.resolve("pairs.jsonl"), SyntheticData.pairs(24, 42));
        Path out = tmp.resolve("out");
        TrainResult r = new IopoTraining(Progress.NONE).run(settings(model, data, out, false), schedule(
                "iopo_steps_mu", "3", "iopo_steps_nu", "2"));
        assertEquals(8, r.steps());
        List<String> players = new ArrayList<>();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve(MetricsLog.FILE))) {
            JsonNode o = JsonCodec.mapper().readTree(line);
            lines.add(o);
            players.add(o.get("iopo/player").asText());
            assertEquals(lines.size(), o.get("step").asInt(), "steps counted over the game");
            for (String key : List.of("loss", "iopo/mean_weight", "iopo/capped_fraction", "iopo/reset_fraction",
                    "rewards/margins", "rewards/accuracies")) {
                assertTrue(o.has(key), key + " in " + o);
            }
        }
        assertEquals(List.of("protagonist", "protagonist", "protagonist", "adversary", "adversary", "protagonist",
                "protagonist", "protagonist"), players);
        // The first step plays the unchanged SFT model against itself: margins 0; w = min(r, 1 + eps).
        assertEquals(0.0, lines.get(0).get("rewards/margins").asDouble(), 1e-6);
        double w = lines.get(0).get("iopo/mean_weight").asDouble();
        assertTrue(w > 0 && w <= 1.3 + 1e-9, "mean weight " + w);
        Path phases = out.resolve(IopoTraining.PHASES_DIR);
        assertSame(phases.resolve("phase-1-adversary"), out.resolve(IopoTraining.ADVERSARY_DIR),
                "the adversary is frozen while the protagonist trains");
        assertSame(phases.resolve("phase-2-protagonist"), out, "the protagonist's last phase is the result");
        assertNotSame(model, phases.resolve("phase-0-protagonist"));
        assertNotSame(phases.resolve("phase-0-protagonist"), out);

        Path oneRound = tmp.resolve("one-round");
        new IopoTraining(Progress.NONE).run(settings(model, data, oneRound, false), schedule("iopo_steps_mu", "2",
                "iopo_steps_nu", "2", "iopo_rounds", "1", "iopo_final_adversary_phase", "true"));
        assertSame(oneRound.resolve(IopoTraining.PHASES_DIR).resolve("phase-0-protagonist"), oneRound,
                "the protagonist is frozen while the adversary trains");
        assertNotSame(model, oneRound.resolve(IopoTraining.ADVERSARY_DIR));

        Path zeroSum = tmp.resolve("zero-sum");
        new IopoTraining(Progress.NONE).run(settings(model, data, zeroSum, false), schedule("iopo_steps_mu", "2",
                "iopo_steps_nu", "2", "iopo_rounds", "1", "iopo_final_adversary_phase", "true",
                "adversary_objective", "zero-sum"));
        assertSame(oneRound, zeroSum, "the same protagonist phase");
        assertNotSame(oneRound.resolve(IopoTraining.ADVERSARY_DIR), zeroSum.resolve(IopoTraining.ADVERSARY_DIR));
        JsonNode adversaryStep = JsonCodec.mapper().readTree(Files.readAllLines(zeroSum.resolve(MetricsLog.FILE)).get(2));
        JsonNode mirrorStep = JsonCodec.mapper().readTree(Files.readAllLines(oneRound.resolve(MetricsLog.FILE)).get(2));
        // Swapped preferences flip the sign of the adversary's implicit reward margin against the same protagonist.
        assertEquals(-mirrorStep.get("rewards/margins").asDouble(), adversaryStep.get("rewards/margins").asDouble(), 1e-5);
    }

    @Test
    void aGameStoppedInTheAdversaryPhaseResumesToTheSameWeights() throws Exception {
        Path model = TinyModel.write(tmp.resolve("model"), 43);
        Path data = SyntheticData.writePairs(tmp.resolve("pairs.jsonl"), SyntheticData.pairs(16, 44));
        IopoSchedule s = schedule("iopo_steps_mu", "2", "iopo_steps_nu", "3");
        Path straight = tmp.resolve("straight");
        new IopoTraining(Progress.NONE).run(settings(model, data, straight, false), s);

        Path resumed = tmp.resolve("resumed");
        Path from = straight.resolve(IopoTraining.PHASES_DIR);
        Path to = resumed.resolve(IopoTraining.PHASES_DIR);
        copy(from.resolve("phase-0-protagonist"), to.resolve("phase-0-protagonist"));
        copy(from.resolve("phase-1-adversary").resolve("checkpoint-1"),
                to.resolve("phase-1-adversary").resolve("checkpoint-1"));
        // The stopped run's log went past its last checkpoint; resume drops the lines after it.
        Files.copy(from.resolve("phase-1-adversary").resolve(MetricsLog.FILE),
                to.resolve("phase-1-adversary").resolve(MetricsLog.FILE));
        TrainResult r = new IopoTraining(Progress.NONE).run(settings(model, data, resumed, true), s);
        assertEquals(7, r.steps());
        assertSame(straight, resumed, "protagonist after resume");
        assertSame(straight.resolve(IopoTraining.ADVERSARY_DIR), resumed.resolve(IopoTraining.ADVERSARY_DIR),
                "adversary after resume");
        assertEquals(losses(straight), losses(resumed), "the same metrics, the stopped phase's included");
    }

    @Test
    @Tag("slow")
    void aGameKilledInItsSecondRoundResumesToTheSameWeightsBitForBit() throws Exception {
        Path model = TinyModel.write(tmp.resolve("model"), 45);
        Path data = SyntheticData.writePairs(tmp.resolve("pairs.jsonl"), SyntheticData.pairs(16, 46));
        Path straight = tmp.resolve("straight");
        TrainResult whole = new IopoTraining(Progress.NONE).run(TrainChild.iopoSettings(model, data.toString(), straight,
                false), TrainChild.iopoSchedule());

        // SIGKILL in round 2's protagonist phase (the last: the final adversary phase is off), after its first
        // checkpoint, with a finished phase of each player behind it.
        Path killed = tmp.resolve("killed");
        TrainChild.runAndKillAfter(model, data, killed, IopoTraining.PHASES_DIR + "/phase-2-protagonist/checkpoint-1",
                tmp.resolve("child.log"), "iopo");
        assertFalse(Files.exists(killed.resolve("model.safetensors")), "the killed game did not finish");
        TrainResult resumed = new IopoTraining(Progress.NONE).run(TrainChild.iopoSettings(model, data.toString(), killed,
                true), TrainChild.iopoSchedule());
        assertEquals(whole.steps(), resumed.steps());
        TrainChild.assertBitwiseEqual(straight.resolve("model.safetensors"), killed.resolve("model.safetensors"));
        TrainChild.assertBitwiseEqual(straight.resolve(IopoTraining.ADVERSARY_DIR).resolve("model.safetensors"),
                killed.resolve(IopoTraining.ADVERSARY_DIR).resolve("model.safetensors"));
        assertEquals(losses(straight), losses(killed), "the same metrics lines");
    }

    @Test
    void withLoraThePlayersAreTwoAdaptersOnOneBaseAndResumeAcrossPhases() throws Exception {
        Path model = TinyModel.write(tmp.resolve("model"), 45);
        Path data = SyntheticData.writePairs(tmp.resolve("pairs.jsonl"), SyntheticData.pairs(16, 46));
        LoraSettings lora = new LoraSettings(true, 4, 8, 0.0, List.of("q_proj", "v_proj", "down_proj"), false, null,
                null, dev.prefloop.engine.djl.model.ComputeDtype.FLOAT32);
        IopoSchedule s = schedule("iopo_steps_mu", "2", "iopo_steps_nu", "3");
        Path straight = tmp.resolve("straight");
        TrainResult r = new IopoTraining(Progress.NONE).run(settings(model, data, straight, false, lora), s);
        assertEquals(7, r.steps());
        assertTrue(new IopoTraining(Progress.NONE).run(settings(model, data, straight, false, lora), s).upToDate(),
                "the same game again is up to date (OUT/_manifest.json)");
        for (Path dir : List.of(straight, straight.resolve(IopoTraining.ADVERSARY_DIR))) {
            assertTrue(Files.isRegularFile(dir.resolve("adapter_config.json")), dir + " holds an adapter");
            assertTrue(!Files.exists(dir.resolve("model.safetensors")), dir + " holds no full model");
        }
        Path phases = straight.resolve(IopoTraining.PHASES_DIR);
        assertSame(phases.resolve("phase-1-adversary"), straight.resolve(IopoTraining.ADVERSARY_DIR),
                "the adversary's adapter is frozen while the protagonist trains");
        assertSame(phases.resolve("phase-2-protagonist"), straight, "the protagonist's last phase is the result");
        assertNotSame(straight, straight.resolve(IopoTraining.ADVERSARY_DIR));

        Path resumed = tmp.resolve("resumed");
        Path to = resumed.resolve(IopoTraining.PHASES_DIR);
        copy(phases.resolve("phase-0-protagonist"), to.resolve("phase-0-protagonist"));
        copy(phases.resolve("phase-1-adversary").resolve("checkpoint-1"),
                to.resolve("phase-1-adversary").resolve("checkpoint-1"));
        Files.copy(phases.resolve("phase-1-adversary").resolve(MetricsLog.FILE),
                to.resolve("phase-1-adversary").resolve(MetricsLog.FILE));
        new IopoTraining(Progress.NONE).run(settings(model, data, resumed, true, lora), s);
        assertSame(straight, resumed, "protagonist adapter after resume");
        assertSame(straight.resolve(IopoTraining.ADVERSARY_DIR), resumed.resolve(IopoTraining.ADVERSARY_DIR),
                "adversary adapter after resume");
        UsageException e = assertThrows(UsageException.class, () -> new IopoTraining(Progress.NONE).run(
                settings(model, data, tmp.resolve("bad"), false, lora), IopoSchedule.take(new HashMap<>(), model)));
        assertTrue(e.getMessage().contains("--adversary-model with LoRA"), e.getMessage());
    }

    @Test
    void iopoRefusesASeparateReference() {
        PreferenceTrainingSettings s = new PreferenceTrainingSettings(tmp, tmp, "x", tmp.resolve("out"), "cpu",
                TrainingArguments.from(Map.of(), false), List.of("iopo"), null, false, Double.NaN, Double.NaN,
                LossSettings.defaults(), TokenizationOptions.DEFAULT, false, false);
        UsageException e = assertThrows(UsageException.class, () -> IopoTraining.isIopo(s));
        assertTrue(e.getMessage().contains("--adversary-model"), e.getMessage());
        assertThrows(UsageException.class, () -> new PreferenceTraining(Progress.NONE).run(s));
    }

    private static PreferenceTrainingSettings settings(Path model, Path data, Path out, boolean resume) {
        return settings(model, data, out, resume, LoraSettings.NONE);
    }

    private static PreferenceTrainingSettings settings(Path model, Path data, Path out, boolean resume,
            LoraSettings lora) {
        TrainingArguments a = TrainingArguments.from(Map.of("learning_rate", "2e-3", "batch_size", "4",
                "save_steps", "1", "logging_steps", "1", "seed", "7"), false);
        return new PreferenceTrainingSettings(model, null, data.toString(), out, "cpu", a, List.of("iopo"), null, false,
                Double.NaN, Double.NaN, LossSettings.defaults(), TokenizationOptions.DEFAULT, resume, false, lora);
    }

    private static List<Double> losses(Path out) throws Exception {
        List<Double> l = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve(MetricsLog.FILE))) {
            l.add(JsonCodec.mapper().readTree(line).get("loss").asDouble());
        }
        return l;
    }

    /** The weights a directory holds: a model's, or a LoRA run's adapter. */
    private static Map<String, HostTensor> weights(Path dir) {
        Path adapter = dir.resolve("adapter_model.safetensors");
        return SafetensorsReader.read(Files.isRegularFile(adapter) ? adapter : dir.resolve("model.safetensors"));
    }

    private static void assertSame(Path a, Path b, String what) {
        Map<String, HostTensor> x = weights(a);
        Map<String, HostTensor> y = weights(b);
        assertEquals(x.keySet(), y.keySet());
        for (String name : x.keySet()) {
            assertEquals(x.get(name).data(), y.get(name).data(), what + ": " + name + " differs");
        }
    }

    private static void assertNotSame(Path a, Path b) {
        Map<String, HostTensor> x = weights(a);
        Map<String, HostTensor> y = weights(b);
        assertTrue(x.keySet().stream().anyMatch(n -> !x.get(n).data().equals(y.get(n).data())),
                a + " and " + b + " should differ");
    }

    private static void copy(Path from, Path to) throws Exception {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}

package dev.prefloop.engine.djl.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.core.progress.Progress;
import dev.prefloop.engine.djl.TorchRuntime;
import dev.prefloop.engine.djl.loss.LossRegistry;
import dev.prefloop.engine.djl.loss.LossSettings;
import dev.prefloop.engine.djl.text.TokenizationOptions;
import dev.prefloop.engine.djl.model.ComputeDtype;
import dev.prefloop.engine.djl.model.DeviceSpec;
import dev.prefloop.engine.djl.model.LlamaModel;
import dev.prefloop.engine.djl.weights.HostTensor;
import dev.prefloop.engine.djl.weights.SafetensorsReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SGDPO in training: the pilot draw, per-token reference logps, a short run and resume. */
class SgdpoTrainingTest {

    @TempDir
    Path tmp;

    @Test
    void thePilotDrawIsReproducibleForASeedAndChangesWithStepPairAndSide() {
        int[] a = SgdpoPilotDraw.positions(7, 3, 11, SgdpoPilotDraw.CHOSEN, 40, 24);
        assertArrayEquals(a, SgdpoPilotDraw.positions(7, 3, 11, SgdpoPilotDraw.CHOSEN, 40, 24), "same seed, step, pair");
        assertEquals(24, a.length);
        for (int i = 1; i < a.length; i++) {
            assertTrue(a[i] > a[i - 1] && a[i] < 40, "sorted, distinct, in range: " + java.util.Arrays.toString(a));
        }
        assertNotEquals(List.of(a), List.of(SgdpoPilotDraw.positions(7, 4, 11, SgdpoPilotDraw.CHOSEN, 40, 24)));
        assertTrue(!java.util.Arrays.equals(a, SgdpoPilotDraw.positions(7, 4, 11, SgdpoPilotDraw.CHOSEN, 40, 24)),
                "another step");
        assertTrue(!java.util.Arrays.equals(a, SgdpoPilotDraw.positions(8, 3, 11, SgdpoPilotDraw.CHOSEN, 40, 24)),
                "another seed");
        assertTrue(!java.util.Arrays.equals(a, SgdpoPilotDraw.positions(7, 3, 12, SgdpoPilotDraw.CHOSEN, 40, 24)),
                "another pair");
        assertTrue(!java.util.Arrays.equals(a, SgdpoPilotDraw.positions(7, 3, 11, SgdpoPilotDraw.REJECTED, 40, 24)),
                "the other side");
        assertArrayEquals(new int[] {0, 1, 2}, SgdpoPilotDraw.positions(1, 1, 1, 0, 3, 3), "k = n takes all");
        assertThrows(IllegalArgumentException.class, () -> SgdpoPilotDraw.positions(1, 1, 1, 0, 3, 4));
    }

    @Test
    void everyPositionIsDrawnAboutEquallyOften() {
        int[] counts = new int[10];
        for (int step = 0; step < 5000; step++) {
            for (int p : SgdpoPilotDraw.positions(42, step, 0, 0, 10, 3)) {
                counts[p]++;
            }
        }
        for (int c : counts) {
            // 1500 expected per position; 6 standard deviations (sd ~ 32) either side.
            assertTrue(Math.abs(c - 1500) < 200, "uniform draw: " + java.util.Arrays.toString(counts));
        }
    }

    @Test
    void theObjectiveRedrawsPilotsPerStepAndRepeatsAStepsDraw() throws Exception {
        Path model = TinyModel.write(tmp.resolve("model"), 21);
        Path refModel = TinyModel.write(tmp.resolve("ref"), 25);
        List<TokenizedPair> pairs = SyntheticData.pairs(8, 22);
        int[] examples = {0, 1, 2, 3, 4, 5, 6, 7};
        try (LlamaModel policy = LlamaModel.load(model, DeviceSpec.CPU, ComputeDtype.FLOAT32);
                LlamaModel reference = LlamaModel.load(refModel, DeviceSpec.CPU, ComputeDtype.FLOAT32);
                NDManager m = TorchRuntime.engine().newBaseManager(policy.device())) {
            // A reference other than the policy: with policy = reference every z is 0 whatever the draw.
            ReferenceTokenLogps ref = ReferenceTokenLogps.compute(reference, pairs, 8, 0, 0, Progress.NONE);
            ReferenceTable sums = ReferenceLogps.compute(reference, pairs, 8, 0, 0, Progress.NONE);
            for (int i = 0; i < pairs.size(); i++) {
                assertEquals(pairs.get(i).chosen().length, ref.chosen()[i].length, "one value per completion token");
                assertEquals(sums.chosen()[i], ref.sums().chosen()[i], 1e-4, "token logps sum to the sequence's");
                assertEquals(sums.rejected()[i], ref.sums().rejected()[i], 1e-4);
            }
            LossSettings s = LossSettings.defaults();
            for (PairLayout layout : PairLayout.values()) {
                PreferenceObjective o = new PreferenceObjective(pairs, ref.sums(), LossRegistry.create("sgdpo", s), false,
                        0, layout).drawSgdpoPilots(ref, s, 5);
                o.beginStep(0);
                float first = o.compute(policy, examples, m).lossSum().getFloat();
                float again = o.compute(policy, examples, m).lossSum().getFloat();
                o.beginStep(1);
                float next = o.compute(policy, examples, m).lossSum().getFloat();
                assertEquals(first, again, 0f, layout + ": the same step draws the same pilots");
                assertNotEquals(first, next, layout + ": the next step draws others");
            }
        }
    }

    @Test
    void aShortRunLogsDpoRewardsAndResumesToTheSameWeights() throws Exception {
        Path model = TinyModel.write(tmp.resolve("model"), 23);
        Path data = SyntheticData.writePairs(tmp.resolve("pairs.jsonl"), SyntheticData.pairs(24, 24));
        Path straight = tmp.resolve("straight");
        new PreferenceTraining(Progress.NONE).run(settings(model, data, straight, false));
        assertTrue(Files.isRegularFile(straight.resolve(ReferenceTokenLogps.CACHE_FILE)), "token reference cached");
        List<String> lines = Files.readAllLines(straight.resolve(MetricsLog.FILE));
        assertEquals(3, lines.size());
        JsonNode last = JsonCodec.mapper().readTree(lines.get(2));
        for (String key : List.of("loss", "rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies",
                "logps/chosen", "logps/rejected")) {
            assertTrue(last.has(key) && Double.isFinite(last.get(key).asDouble()), key + " in " + last);
        }

        Path resumed = tmp.resolve("resumed");
        copy(straight.resolve("checkpoint-4"), resumed.resolve("checkpoint-4"));
        Files.copy(straight.resolve(ReferenceTokenLogps.CACHE_FILE), resumed.resolve(ReferenceTokenLogps.CACHE_FILE));
        TrainResult r = new PreferenceTraining(Progress.NONE).run(settings(model, data, resumed, true));
        assertEquals(12, r.steps());
        Map<String, HostTensor> a = SafetensorsReader.read(straight.resolve("model.safetensors"));
        Map<String, HostTensor> b = SafetensorsReader.read(resumed.resolve("model.safetensors"));
        assertEquals(a.keySet(), b.keySet());
        for (String name : a.keySet()) {
            assertEquals(a.get(name).data(), b.get(name).data(), name + " differs after resume");
        }
        assertEquals(losses(straight).subList(1, 3), losses(resumed), "the same losses after step 4");
    }

    @Test
    void ldAlphaWithSgdpoIsAUsageError() {
        PreferenceTrainingSettings s = new PreferenceTrainingSettings(tmp, null, "x", tmp.resolve("out"), "cpu",
                TrainingArguments.from(Map.of(), false), List.of("sgdpo"), null, false, Double.NaN, 0.5,
                LossSettings.defaults(), TokenizationOptions.DEFAULT, false, false);
        UsageException e = assertThrows(UsageException.class, () -> PreferenceTraining.loss(s));
        assertTrue(e.getMessage().contains("--ld-alpha"), e.getMessage());
        assertTrue(!Files.exists(tmp.resolve("out")));
    }

    private static PreferenceTrainingSettings settings(Path model, Path data, Path out, boolean resume) {
        TrainingArguments a = TrainingArguments.from(Map.of("learning_rate", "2e-3", "max_steps", "12", "batch_size", "4",
                "save_steps", "4", "logging_steps", "4", "seed", "3"), false);
        return new PreferenceTrainingSettings(model, null, data.toString(), out, "cpu", a, List.of("sgdpo"), null, false,
                Double.NaN, Double.NaN, new LossSettings.Builder().set("r1", "0.5").set("r2", "0.8").build(),
                TokenizationOptions.DEFAULT, resume,
                false);
    }

    private static List<Double> losses(Path out) throws Exception {
        List<Double> l = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(out.resolve(MetricsLog.FILE))) {
            l.add(JsonCodec.mapper().readTree(line).get("loss").asDouble());
        }
        return l;
    }

    /** A checkpoint copied into a fresh OUT, as if the run had stopped right after writing it. */
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

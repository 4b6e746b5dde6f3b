package dev.prefloop.engine.djl.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.progress.Progress;
import dev.prefloop.engine.djl.loss.LossSettings;
import dev.prefloop.engine.djl.text.TokenizationOptions;
import dev.prefloop.engine.djl.model.ComputeDtype;
import dev.prefloop.engine.djl.model.DeviceSpec;
import dev.prefloop.engine.djl.model.LlamaModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SGDPO, XPO and IOPO on a rule a tiny model can learn: the loss falls and held-out pairwise accuracy rises. */
class SeedMethodsLearningTest {

    @TempDir
    Path tmp;

    private static final TrainingArguments ARGS = TrainingArguments.from(Map.of("learning_rate", "2e-3", "max_steps",
            "120", "batch_size", "8", "logging_steps", "20", "save_steps", "0", "lr_scheduler_type", "constant"), false);

    @Test
    @Tag("slow")
    void sgdpoLearns() throws Exception {
        Path model = TinyModel.write(tmp.resolve("model"), 51);
        Path data = SyntheticData.writePairs(tmp.resolve("pairs.jsonl"), SyntheticData.pairs(400, 52));
        Path out = tmp.resolve("out");
        new PreferenceTraining(Progress.NONE).run(new PreferenceTrainingSettings(model, null, data.toString(), out,
                "cpu", ARGS, List.of("sgdpo"), null, false, Double.NaN, Double.NaN, LossSettings.defaults(), TokenizationOptions.DEFAULT, false,
                false));
        check("sgdpo", model, out, 0);
    }

    @Test
    @Tag("slow")
    void xpoLearnsOnHybridPairs() throws Exception {
        Path model = TinyModel.write(tmp.resolve("model"), 53);
        List<TokenizedPair> hybrid = new ArrayList<>();
        int i = 0;
        for (TokenizedPair p : SyntheticData.pairs(400, 54)) {
            boolean refChosen = i++ % 2 == 0;
            hybrid.add(p.withSource(new PairSource(refChosen ? "ref" : "pi", refChosen ? "pi" : "ref", null)));
        }
        Path data = SyntheticData.writePairs(tmp.resolve("pairs.jsonl"), hybrid);
        Path out = tmp.resolve("out");
        new PreferenceTraining(Progress.NONE).run(new PreferenceTrainingSettings(model, null, data.toString(), out,
                "cpu", ARGS, List.of("xpo"), null, false, Double.NaN, Double.NaN, LossSettings.defaults(), TokenizationOptions.DEFAULT, false,
                false));
        check("xpo", model, out, 0);
    }

    @Test
    @Tag("slow")
    void iopoLearns() throws Exception {
        Path model = TinyModel.write(tmp.resolve("model"), 55);
        Path data = SyntheticData.writePairs(tmp.resolve("pairs.jsonl"), SyntheticData.pairs(400, 56));
        Path out = tmp.resolve("out");
        Map<String, String> schedule = new HashMap<>(Map.of("iopo_steps_mu", "60", "iopo_steps_nu", "20"));
        new IopoTraining(Progress.NONE).run(new PreferenceTrainingSettings(model, null, data.toString(), out, "cpu",
                ARGS, List.of("iopo"), null, false, Double.NaN, Double.NaN, LossSettings.defaults(), TokenizationOptions.DEFAULT, false, false),
                IopoSchedule.take(schedule, null));
        // Each phase plays against another frozen player; the loss falls within the protagonist's last phase.
        check("iopo", model, out, 4);
    }

    /** Loss falls from window {@code first} to the last; accuracy of beta log(pi/pi_SFT) on held-out pairs. */
    private void check(String name, Path model, Path out, int first) throws Exception {
        List<Double> losses = new ArrayList<>();
        List<String> lines = Files.readAllLines(out.resolve(MetricsLog.FILE));
        for (String line : lines.subList(first, lines.size())) {
            losses.add(JsonCodec.mapper().readTree(line).get("loss").asDouble());
        }
        List<TokenizedPair> heldOut = SyntheticData.pairs(64, 99);
        int right = 0;
        try (LlamaModel before = LlamaModel.load(model, DeviceSpec.CPU, ComputeDtype.FLOAT32);
                LlamaModel after = LlamaModel.load(out, DeviceSpec.CPU, ComputeDtype.FLOAT32)) {
            ReferenceTable ref = ReferenceLogps.compute(before, heldOut, 16, 0, 0, Progress.NONE);
            ReferenceTable pol = ReferenceLogps.compute(after, heldOut, 16, 0, 0, Progress.NONE);
            for (int i = 0; i < heldOut.size(); i++) {
                right += pol.chosen()[i] - ref.chosen()[i] > pol.rejected()[i] - ref.rejected()[i] ? 1 : 0;
            }
        }
        double accuracy = (double) right / heldOut.size();
        System.out.printf(Locale.ROOT, "%s: losses per window %s; held-out accuracy %.3f%n", name, losses, accuracy);
        assertTrue(losses.get(losses.size() - 1) < 0.8 * losses.get(0), name + " loss falls: " + losses);
        assertTrue(accuracy >= 0.75, name + " held-out accuracy " + accuracy);
    }
}

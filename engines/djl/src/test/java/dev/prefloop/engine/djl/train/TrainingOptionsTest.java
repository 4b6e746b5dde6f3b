package dev.prefloop.engine.djl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prefloop.core.error.UsageException;
import dev.prefloop.engine.djl.text.TokenizationOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainingOptionsTest {

    private static PreferenceTrainingSettings parse(Map<String, String> options) {
        return TrainingOptions.preference(Path.of("m"), null, "d", Path.of("o"), "cpu", false, false, TokenizationOptions.DEFAULT,
                options);
    }

    @Test
    void trlNamesBecomeSettingsWithTrlDefaults() {
        PreferenceTrainingSettings s = parse(Map.of("loss_type", "sigmoid,bco_pair", "loss_weights", "1,0.5",
                "beta", "0.3", "per_device_train_batch_size", "2", "rpo_alpha", "0.7", "ld_alpha", "0.5"));
        assertEquals(List.of("sigmoid", "bco_pair"), s.losses());
        assertEquals(0.5, s.lossWeights()[1]);
        assertEquals(0.3, s.lossSettings().beta());
        assertEquals(2, s.args().batchSize());
        assertEquals(1e-6, s.args().learningRate());
        assertEquals(512, s.args().maxPromptLength());
        assertEquals(0.7, s.rpoAlpha());
        assertEquals(0.5, s.ldAlpha());
        assertTrue(Double.isNaN(parse(Map.of()).ldAlpha()));
        assertEquals(SchedulerType.LINEAR, s.args().lrSchedulerType());
        // rpo_alpha adds sft with its weight to the mix; the loss builds.
        PreferenceTraining.loss(s);
    }

    @Test
    void unusedLossOptionsAndUnsupportedLossesAreUsageErrors() {
        UsageException unused = assertThrows(UsageException.class, () -> parse(Map.of("loss", "ipo",
                "discopop_tau", "0.1")));
        assertEquals("--discopop-tau is not used by --loss ipo (it reads: beta, f-divergence-type,"
                + " f-alpha-divergence-coef)", unused.getMessage());
        // sigmoid reads label_smoothing: the conservative mix.
        assertEquals(0.1, parse(Map.of("label_smoothing", "0.1")).lossSettings().labelSmoothing());
        UsageException iopo = assertThrows(UsageException.class, () -> new PreferenceTraining(
                dev.prefloop.core.progress.Progress.NONE).run(parse(Map.of("loss", "iopo"))));
        assertTrue(iopo.getMessage().startsWith("--loss iopo is a two-player game"), iopo.getMessage());
        UsageException unknown = assertThrows(UsageException.class, () -> parse(Map.of("bf16", "true")));
        assertEquals("train: unknown option 'bf16' (from --config or the command line)", unknown.getMessage());
        UsageException both = assertThrows(UsageException.class, () -> parse(Map.of("loss", "ipo", "loss_type",
                "ipo")));
        assertEquals("give the losses once: --loss or loss_type, not both", both.getMessage());
    }

    @Test
    void labelSmoothingTurnsSigmoidIntoConservativeDpo() {
        String sigmoid = dev.prefloop.engine.djl.loss.LossRegistry.create("sigmoid",
                dev.prefloop.engine.djl.loss.LossSettings.defaults()).getClass().getSimpleName();
        String smoothed = dev.prefloop.engine.djl.loss.LossRegistry.create("sigmoid",
                dev.prefloop.engine.djl.loss.LossSettings.defaults().with("label_smoothing", "0.1")).getClass()
                .getSimpleName();
        assertEquals("SigmoidLoss", sigmoid);
        assertEquals("CdpoLoss", smoothed);
    }
}

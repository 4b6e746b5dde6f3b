package dev.prefloop.engine.djl.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prefloop.core.error.UsageException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Hyperparameter defaults and the usage errors for values out of range, each naming option and value. */
class LossSettingsTest {

    @Test
    void defaultsAreTrls() {
        LossSettings s = LossSettings.defaults();
        assertEquals(0.1, s.beta());
        assertEquals(0.0, s.labelSmoothing());
        assertEquals(0.05, s.discopopTau());
        assertEquals(FDivergence.REVERSE_KL, s.fDivergenceType());
        assertEquals(0.5, s.fAlphaDivergenceCoef());
        assertEquals(0.5, s.simpoGamma());
        assertEquals(1.0, s.cpoAlpha());
        assertEquals(0.0, s.alpha());
        assertEquals(5e-6, s.xpoAlpha());
        assertEquals(0.3, s.epsilon());
        assertEquals(IopoWeight.ADVERSARY, s.iopoWeight());
        assertEquals(IopoRatio.SEQUENCE, s.iopoRatio());
        assertEquals(-103.97, s.iopoResetLow());
        assertEquals(88.72, s.iopoResetHigh());
        assertEquals(0.6, s.r1());
        assertEquals(0.9, s.r2());
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', value = {
        "beta|0|beta must be a finite number > 0, got 0.0",
        "beta|-0.1|beta must be a finite number > 0, got -0.1",
        "beta|NaN|beta must be a finite number > 0, got NaN",
        "beta|abc|beta: not a number: 'abc'",
        "label_smoothing|-0.1|label_smoothing must be in [0, 0.5], got -0.1",
        "label_smoothing|0.6|label_smoothing must be in [0, 0.5], got 0.6",
        "discopop_tau|0|discopop_tau must be a finite number > 0, got 0.0",
        "f_divergence_type|kl|f_divergence_type: unknown value 'kl'",
        "f_alpha_divergence_coef|Infinity|f_alpha_divergence_coef must be finite, got Infinity",
        "cpo_alpha|-1|cpo_alpha must be a finite number >= 0, got -1.0",
        "xpo_alpha|-1e-5|xpo_alpha must be a finite number >= 0, got -1.0E-5",
        "epsilon|1|epsilon must be in [0, 1), got 1.0",
        "iopo_weight|both|iopo_weight: unknown value 'both'",
        "iopo_ratio|token|iopo_ratio: unknown value 'token'",
        "iopo_reset_nats|5,1|iopo_reset_nats: must be two finite numbers LO,HI with LO < 0 < HI, got 5.0,1.0",
        "iopo_reset_nats|-100|iopo_reset_nats: expected LO,HI (two numbers), got '-100'",
        "r1|0|r1 must be in (0, 1], got 0.0",
        "r2|1.5|r2 must be in (0, 1], got 1.5",
        "rpo_alpha|1|unknown loss option 'rpo_alpha'",
    })
    void rejectsOutOfRangeValues(String name, String value, String message) {
        UsageException e = assertThrows(UsageException.class, () -> LossSettings.defaults().with(name, value));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
        assertEquals(2, e.exitCode());
    }

    @ParameterizedTest(name = "{0} with {1} = {2}")
    @CsvSource(delimiter = '|', value = {
        "exo_pair|label_smoothing|0|exo_pair needs label_smoothing > 0",
        "robust|label_smoothing|0.5|robust needs label_smoothing in [0, 0.5), got 0.5",
        "alphapo|alpha|0|alphapo needs alpha != 0",
    })
    void lossesRejectValuesTheyCannotUse(String loss, String name, String value, String message) {
        LossSettings s = LossSettings.defaults().with(name, value);
        UsageException e = assertThrows(UsageException.class, () -> LossRegistry.create(loss, s));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }

    @Test
    void rejectsUnknownLossesAndBadMixes() {
        LossSettings s = LossSettings.defaults();
        UsageException unknown = assertThrows(UsageException.class, () -> LossRegistry.create("dpo", s));
        assertTrue(unknown.getMessage().startsWith("unknown loss 'dpo'; expected one of sigmoid, hinge"),
                unknown.getMessage());
        UsageException lengths = assertThrows(UsageException.class,
                () -> LossRegistry.mix(List.of("sigmoid", "sft"), new double[] {1.0}, false, s));
        assertEquals("loss_weights has 1 values but loss_type has 2 (sigmoid, sft)", lengths.getMessage());
        UsageException aot = assertThrows(UsageException.class,
                () -> LossRegistry.mix(List.of("aot"), null, true, s));
        assertEquals("use_weighting cannot be used with aot", aot.getMessage());
        UsageException cpo = assertThrows(UsageException.class,
                () -> LossRegistry.mix(List.of("sigmoid", "simpo"), null, false, s));
        assertTrue(cpo.getMessage().startsWith("simpo cannot be combined"), cpo.getMessage());
    }

    @Test
    void aotPairIsTheOldNameOfAotUnpaired() {
        assertEquals("aot_unpaired", LossRegistry.entry("aot_pair").name());
        assertTrue(LossRegistry.helpLines().stream().anyMatch(l -> l.startsWith("aot_pair")));
    }

    @Test
    void everyEntryReadsOnlyKnownOptions() {
        for (LossRegistry.Entry e : LossRegistry.entries()) {
            assertTrue(LossSettings.names().containsAll(e.uses()), e.name() + " uses " + e.uses());
        }
    }
}

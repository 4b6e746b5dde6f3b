package dev.prefloop.engine.djl.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import dev.prefloop.engine.djl.TorchRuntime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every loss row of losses.md section 9.1: batch loss, per-pair values and autograd gradients w.r.t. S_c, S_r. */
class LossTableTest {

    /** Row name, float dtype. */
    static Stream<Arguments> rows() {
        List<Arguments> args = new ArrayList<>();
        for (Iterator<String> it = LossTable.ROOT.get("losses").fieldNames(); it.hasNext(); ) {
            String row = it.next();
            args.add(Arguments.of(row, DataType.FLOAT64));
            args.add(Arguments.of(row, DataType.FLOAT32));
        }
        return args.stream();
    }

    @ParameterizedTest(name = "{0} [{1}]")
    @MethodSource("rows")
    void matchesTheTable(String row, DataType type) {
        JsonNode expected = LossTable.ROOT.get("losses").get(row);
        Tolerance tol = type == DataType.FLOAT64 ? Tolerance.FLOAT64 : Tolerance.FLOAT32;
        Engine engine = TorchRuntime.engine();
        try (NDManager m = engine.newBaseManager()) {
            PreferenceBatch batch = LossTable.mainBatch(m, type);
            PreferenceLoss loss = lossFor(row, expected.get("uses"));
            LossOutput out;
            NDArray total;
            try (GradientCollector gc = engine.newGradientCollector()) {
                out = loss.compute(batch);
                total = out.loss();
                gc.backward(total);
            }
            tol.assertClose(row + " batch loss", expected.get("batch_loss").asDouble(), LossTable.toDoubles(total)[0]);
            tol.assertClose(row + " per-pair", LossTable.doubles(expected.get("per_pair")),
                    LossTable.toDoubles(out.perPair()));
            tol.assertClose(row + " dL/dS_c", LossTable.doubles(expected.get("grad_chosen")),
                    LossTable.toDoubles(batch.policyChosen().getGradient()));
            tol.assertClose(row + " dL/dS_r", LossTable.doubles(expected.get("grad_rejected")),
                    LossTable.toDoubles(batch.policyRejected().getGradient()));
            if (expected.get("uses").has("bco_delta")) {
                tol.assertClose(row + " running delta", expected.get("uses").get("bco_delta").asDouble(),
                        out.metrics().get("bco/delta"));
            }
        }
    }

    @Test
    void dpoMetricsAreTrlsAndIndependentOfTheLoss() {
        JsonNode expected = LossTable.ROOT.get("dpo_metrics").get("batch_mean");
        for (String name : List.of("sigmoid", "ipo", "aot", "sft", "xpo", "sgdpo")) {
            try (NDManager m = TorchRuntime.engine().newBaseManager()) {
                PreferenceBatch batch = LossTable.mainBatch(m, DataType.FLOAT64);
                Map<String, Double> metrics = LossRegistry.create(name, LossSettings.defaults()).compute(batch).metrics();
                assertMetrics(name, expected, metrics);
            }
        }
    }

    @Test
    void cpoMetricsAreCpoTrainers() {
        double nll = LossTable.ROOT.get("losses").get("sft").get("batch_loss").asDouble();
        try (NDManager m = TorchRuntime.engine().newBaseManager()) {
            PreferenceBatch batch = LossTable.mainBatch(m, DataType.FLOAT64);
            Map<String, Double> sigmoid = LossRegistry.create("cpo_sigmoid", LossSettings.defaults()).compute(batch)
                    .metrics();
            assertMetrics("cpo_sigmoid", LossTable.ROOT.get("cpo_metrics_sigmoid"), sigmoid);
            Tolerance.FLOAT64.assertClose("cpo nll_loss", nll, sigmoid.get("nll_loss"));
            Map<String, Double> simpo = LossRegistry.create("simpo", LossSettings.defaults().with("cpo_alpha", "0"))
                    .compute(batch).metrics();
            assertMetrics("simpo", LossTable.ROOT.get("cpo_metrics_simpo"), simpo);
            assertEquals(0.0, simpo.get("nll_loss"), "nll_loss is 0 when cpo_alpha = 0");
        }
    }

    private static void assertMetrics(String what, JsonNode expected, Map<String, Double> actual) {
        for (Iterator<String> it = expected.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            Tolerance.FLOAT64.assertClose(what + " " + key, expected.get(key).asDouble(), actual.get(key));
        }
    }

    /** The loss a table row describes, built through the registry as the command line will. */
    static PreferenceLoss lossFor(String row, JsonNode uses) {
        LossSettings.Builder b = new LossSettings.Builder();
        for (Iterator<String> it = uses.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (LossSettings.names().contains(key)) {
                b.set(key, uses.get(key).asText());
            }
        }
        LossSettings s = b.build();
        JsonNode type = uses.get("loss_type");
        if (row.equals("sgdpo")) {
            return LossRegistry.create("sgdpo", s);
        }
        if (row.startsWith("xpo")) {
            return LossRegistry.create(type.asText().equals("ipo") ? "xpo_ipo" : "xpo", s);
        }
        if (row.equals("alphapo")) {
            return LossRegistry.create("alphapo", s);
        }
        if (type.isTextual()) {
            // CPOTrainer rows: its sigmoid/hinge/ipo are cpo_* here, as the DPO names are taken.
            return LossRegistry.create(type.asText().equals("simpo") ? "simpo" : "cpo_" + type.asText(), s);
        }
        List<String> names = new ArrayList<>();
        type.forEach(t -> names.add(t.asText().equals("kto_pair_legacy") ? "kto_pair" : t.asText()));
        double[] weights = uses.has("loss_weights") ? LossTable.doubles(uses.get("loss_weights")) : null;
        boolean weighting = uses.has("use_weighting") && uses.get("use_weighting").asBoolean();
        return LossRegistry.mix(names, weights, weighting, s);
    }
}

package dev.prefloop.engine.djl.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import dev.prefloop.engine.djl.TorchRuntime;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** IOPO against losses.md section 9.2: weights, losses and gradients of all four logps, per phase and variant. */
class IopoLossTest {

    @ParameterizedTest
    @ValueSource(strings = {"mu", "nu_mirror", "nu_zero_sum", "mu_learner_weight", "mu_mean_token", "mu_float64_reset"})
    void matchesTheTable(String variant) {
        JsonNode iopo = LossTable.ROOT.get("iopo");
        JsonNode expected = iopo.get(variant);
        JsonNode rows = expected.get("rows");
        int n = rows.size();
        Map<String, double[]> logps = Map.of("mu_w", column(iopo, "mu_w"), "mu_l", column(iopo, "mu_l"),
                "nu_w", column(iopo, "nu_w"), "nu_l", column(iopo, "nu_l"));
        // Learner = policy, frozen player = reference; zero-sum prefers y_l, so the sides swap.
        boolean nuLearns = variant.startsWith("nu");
        boolean swapped = variant.equals("nu_zero_sum");
        String learner = nuLearns ? "nu" : "mu";
        String frozen = nuLearns ? "mu" : "nu";
        String pref = swapped ? "_l" : "_w";
        String dispref = swapped ? "_w" : "_l";
        JsonNode reset = expected.get("reset_nats");
        LossSettings s = LossSettings.defaults()
                .with("beta", iopo.get("hyperparameters").get("beta").asText())
                .with("epsilon", iopo.get("hyperparameters").get("iopo_eps").asText())
                .with("iopo_weight", expected.get("iopo_weight").asText())
                .with("iopo_ratio", expected.get("iopo_ratio").asText())
                .with("iopo_reset_nats", reset.get(0).asText() + "," + reset.get(1).asText());
        Engine engine = TorchRuntime.engine();
        try (NDManager m = engine.newBaseManager()) {
            Map<String, NDArray> arrays = Map.of(
                    "mu_w", LossTable.array(m, logps.get("mu_w"), DataType.FLOAT64),
                    "mu_l", LossTable.array(m, logps.get("mu_l"), DataType.FLOAT64),
                    "nu_w", LossTable.array(m, logps.get("nu_w"), DataType.FLOAT64),
                    "nu_l", LossTable.array(m, logps.get("nu_l"), DataType.FLOAT64));
            // The frozen player's logps require gradient too, so a weight that is not detached would show.
            arrays.values().forEach(a -> a.setRequiresGradient(true));
            PreferenceBatch batch = PreferenceBatch.of(arrays.get(learner + pref), arrays.get(learner + dispref),
                    arrays.get(frozen + pref), arrays.get(frozen + dispref),
                    LossTable.array(m, column(iopo, "n" + pref), DataType.FLOAT64),
                    LossTable.array(m, column(iopo, "n" + dispref), DataType.FLOAT64));
            IopoLoss loss = (IopoLoss) LossRegistry.create("iopo", s);
            LossOutput out;
            NDArray total;
            try (GradientCollector gc = engine.newGradientCollector()) {
                out = loss.compute(batch);
                total = out.loss();
                gc.backward(total);
            }
            Tolerance tol = Tolerance.FLOAT64;
            tol.assertClose(variant + " batch loss", expected.get("batch_loss").asDouble(), LossTable.toDoubles(total)[0]);
            tol.assertClose(variant + " mean w", expected.get("mean_w").asDouble(), out.metrics().get("iopo/mean_weight"));
            tol.assertClose(variant + " w", field(rows, "w"), loss.weights(batch).values);
            tol.assertClose(variant + " l_i", field(rows, "loss"), LossTable.toDoubles(out.perPair()));
            for (String name : arrays.keySet()) {
                double[] want = new double[n];
                for (int i = 0; i < n; i++) {
                    want[i] = rows.get(i).get("grad").get(name).asDouble();
                }
                tol.assertClose(variant + " dL/d" + name, want, LossTable.toDoubles(arrays.get(name).getGradient()));
            }
            IopoLoss.Weights w = loss.weights(batch);
            assertEquals(count(rows, "reset"), w.reset, variant + ": pairs reset to r = 1");
            assertEquals(count(rows, "capped"), w.capped, variant + ": pairs capped at 1 + eps");
            assertEquals(count(rows, "passthrough"), w.belowClip, variant + ": pairs passed through below 1 - eps");
        }
    }

    private static double[] column(JsonNode iopo, String key) {
        JsonNode batch = iopo.get("batch");
        double[] out = new double[batch.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = batch.get(i).get(key).asDouble();
        }
        return out;
    }

    private static double[] field(JsonNode rows, String key) {
        double[] out = new double[rows.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = rows.get(i).get(key).asDouble();
        }
        return out;
    }

    private static int count(JsonNode rows, String key) {
        int c = 0;
        for (JsonNode r : rows) {
            c += r.get(key).asBoolean() ? 1 : 0;
        }
        return c;
    }
}

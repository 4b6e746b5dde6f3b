package dev.prefloop.engine.djl.loss;

import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.engine.djl.TorchRuntime;
import org.junit.jupiter.api.Test;

/** The per-token modifiers against losses.md section 9.4: LD-DPO's weighted sums and WPO's sequence factor. */
class TokenWeightingTest {

    @Test
    void ldDpoMatchesTheWorkedExample() {
        JsonNode ex = LossTable.ROOT.get("ld_example");
        Engine engine = TorchRuntime.engine();
        try (NDManager m = engine.newBaseManager()) {
            // Padded to T = 6 with a prompt-free layout: chosen has 5 tokens, rejected 3.
            NDArray pc = padded(m, LossTable.doubles(ex.get("policy_chosen_tokens")));
            NDArray pr = padded(m, LossTable.doubles(ex.get("policy_rejected_tokens")));
            NDArray rc = padded(m, LossTable.doubles(ex.get("ref_chosen_tokens")));
            NDArray rr = padded(m, LossTable.doubles(ex.get("ref_rejected_tokens")));
            NDArray maskC = mask(m, 5);
            NDArray maskR = mask(m, 3);
            pc.setRequiresGradient(true);
            pr.setRequiresGradient(true);
            LdWeighting ld = new LdWeighting(ex.get("ld_alpha").asDouble());
            NDArray shared = LdWeighting.sharedLengths(maskC, maskR);
            Tolerance.FLOAT64.assertClose("shared length", ex.get("shared_len").asDouble(), LossTable.toDoubles(shared)[0]);
            NDArray loss;
            PreferenceBatch batch;
            try (GradientCollector gc = engine.newGradientCollector()) {
                batch = PreferenceBatch.of(ld.sums(pc, maskC, shared), ld.sums(pr, maskR, shared), ld.sums(rc, maskC, shared),
                        ld.sums(rr, maskR, shared), maskC.sum(new int[] {1}), maskR.sum(new int[] {1}));
                loss = LossRegistry.create("sigmoid", LossSettings.defaults().with("beta", ex.get("beta").asText()))
                        .compute(batch).loss();
                gc.backward(loss);
            }
            Tolerance t = Tolerance.FLOAT64;
            t.assertClose("LD policy chosen", ex.get("ld_policy_chosen").asDouble(), LossTable.toDoubles(batch.policyChosen())[0]);
            t.assertClose("LD ref chosen", ex.get("ld_ref_chosen").asDouble(), LossTable.toDoubles(batch.referenceChosen())[0]);
            t.assertClose("LD policy rejected", ex.get("ld_policy_rejected").asDouble(),
                    LossTable.toDoubles(batch.policyRejected())[0]);
            t.assertClose("LD ref rejected", ex.get("ld_ref_rejected").asDouble(),
                    LossTable.toDoubles(batch.referenceRejected())[0]);
            t.assertClose("LD sigmoid loss", ex.get("sigmoid_loss").asDouble(), LossTable.toDoubles(loss)[0]);
            double[] wantC = java.util.Arrays.copyOf(LossTable.doubles(ex.get("grad_per_token_policy_chosen")), 6);
            double[] wantR = java.util.Arrays.copyOf(LossTable.doubles(ex.get("grad_per_token_policy_rejected")), 6);
            t.assertClose("LD per-token gradient, chosen (padding gets 0)", wantC, LossTable.toDoubles(pc.getGradient()));
            t.assertClose("LD per-token gradient, rejected", wantR, LossTable.toDoubles(pr.getGradient()));
        }
    }

    @Test
    void sftUnderLdDpoReadsThePlainSums() {
        // losses.md 3.3: sft uses the raw token logps. Plain chosen sum -8 over 5 tokens: NLL 1.6, dL/dtoken = -1/5.
        JsonNode ex = LossTable.ROOT.get("ld_example");
        Engine engine = TorchRuntime.engine();
        try (NDManager m = engine.newBaseManager()) {
            NDArray pc = padded(m, LossTable.doubles(ex.get("policy_chosen_tokens")));
            NDArray pr = padded(m, LossTable.doubles(ex.get("policy_rejected_tokens")));
            NDArray maskC = mask(m, 5);
            NDArray maskR = mask(m, 3);
            pc.setRequiresGradient(true);
            LdWeighting ld = new LdWeighting(ex.get("ld_alpha").asDouble());
            NDArray shared = LdWeighting.sharedLengths(maskC, maskR);
            NDArray loss;
            try (GradientCollector gc = engine.newGradientCollector()) {
                PreferenceBatch batch = PreferenceBatch.of(ld.sums(pc, maskC, shared), ld.sums(pr, maskR, shared),
                                ld.sums(pc, maskC, shared).stopGradient(), ld.sums(pr, maskR, shared),
                                maskC.sum(new int[] {1}), maskR.sum(new int[] {1}))
                        .withUnweightedPolicyChosen(pc.mul(maskC).sum(new int[] {1}));
                loss = LossRegistry.create("sft", LossSettings.defaults()).compute(batch).loss();
                gc.backward(loss);
            }
            Tolerance.FLOAT64.assertClose("sft NLL on plain sums", 1.6, LossTable.toDoubles(loss)[0]);
            Tolerance.FLOAT64.assertClose("sft per-token gradient", new double[] {-0.2, -0.2, -0.2, -0.2, -0.2, 0},
                    LossTable.toDoubles(pc.getGradient()));
        }
    }

    @Test
    void ldAlphaOutsideTheUnitIntervalIsAUsageError() {
        assertThrows(UsageException.class, () -> new LdWeighting(1.5));
        assertThrows(UsageException.class, () -> new LdWeighting(Double.NaN));
    }

    @Test
    void wpoFactorMatchesTheWorkedExample() {
        JsonNode ex = LossTable.ROOT.get("wpo_example");
        JsonNode tokens = ex.get("tokens");
        int t = tokens.size();
        int v = tokens.get(0).get("logits").size();
        double[] logits = new double[t * v];
        long[] labels = new long[t];
        for (int i = 0; i < t; i++) {
            System.arraycopy(LossTable.doubles(tokens.get(i).get("logits")), 0, logits, i * v, v);
            labels[i] = tokens.get(i).get("token").asLong();
        }
        try (NDManager m = TorchRuntime.engine().newBaseManager()) {
            NDArray factor = WpoWeights.sequenceFactors(m.create(logits, new Shape(1, t, v)),
                    m.create(labels, new Shape(1, t)), m.ones(new Shape(1, t), DataType.FLOAT64));
            Tolerance.FLOAT64.assertClose("WPO sequence factor", ex.get("sequence_factor").asDouble(),
                    LossTable.toDoubles(factor)[0]);
        }
    }

    private static NDArray padded(NDManager m, double[] tokens) {
        return m.create(java.util.Arrays.copyOf(tokens, 6), new Shape(1, 6));
    }

    private static NDArray mask(NDManager m, int n) {
        double[] mask = new double[6];
        java.util.Arrays.fill(mask, 0, n, 1.0);
        return m.create(mask, new Shape(1, 6));
    }
}

package dev.prefloop.engine.djl.loss;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.prefloop.engine.djl.TorchRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks independent of the table: finite differences for every loss, finite values at margins of +-1e4,
 * gradients that survive garbage collection between forward and backward, and the worked numbers of losses.md.
 */
class LossPropertiesTest {

    // A batch unlike the table's: no ties, no kinks, every margin sign.
    private static final double[] SC = {-14.2, -9.7, -30.1, -120.4};
    private static final double[] SR = {-13.9, -21.3, -7.6, -131.0};
    private static final double[] RC = {-13.0, -11.2, -27.5, -118.9};
    private static final double[] RR = {-15.4, -19.0, -9.9, -126.2};
    private static final double[] NC = {7, 5, 15, 60};
    private static final double[] NR = {8, 11, 4, 70};

    /** Every registered loss, under settings it accepts; sigmoid and ipo also under the other f-divergences. */
    static Stream<Arguments> losses() {
        LossSettings s = LossSettings.defaults().with("label_smoothing", "0.001");
        List<Arguments> args = new ArrayList<>();
        for (LossRegistry.Entry e : LossRegistry.entries()) {
            // alpha only for alphapo: AlphaPO's exponential shape on summed logps (cpo_sigmoid, cpo_hinge) overflows.
            args.add(Arguments.of(e.name(), e.name().equals("alphapo") ? s.with("alpha", "0.25") : s));
        }
        for (String f : List.of("forward_kl", "js_divergence", "alpha_divergence")) {
            args.add(Arguments.of("sigmoid", s.with("f_divergence_type", f)));
            args.add(Arguments.of("ipo", s.with("f_divergence_type", f)));
        }
        return args.stream();
    }

    /** The losses whose gradient is a true gradient: bco_pair_legacy's shift delta is a detached batch statistic. */
    static Stream<Arguments> differentiableLosses() {
        return losses().filter(a -> !a.get()[0].equals("bco_pair_legacy"));
    }

    /**
     * The losses that stay finite for log-ratios of +-1e4: not forward_kl, whose phi(t) = -exp(-t) is infinite at
     * t = -1e4 by definition, nor ipo under alpha_divergence, whose square of TRL's exp(80)-clamped score exceeds
     * float32.
     */
    static Stream<Arguments> boundedLosses() {
        return losses().filter(a -> {
            LossSettings s = (LossSettings) a.get()[1];
            return s.fDivergenceType() != FDivergence.FORWARD_KL
                    && !(a.get()[0].equals("ipo") && s.fDivergenceType() == FDivergence.ALPHA_DIVERGENCE);
        });
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("differentiableLosses")
    void gradientsMatchFiniteDifferences(String name, LossSettings s) {
        Engine engine = TorchRuntime.engine();
        try (NDManager m = engine.newBaseManager()) {
            double[] grad = autogradOf(m, name, s, SC, SR, RC, RR, DataType.FLOAT64);
            double h = 1e-5;
            double[] fd = new double[2 * SC.length];
            for (int j = 0; j < fd.length; j++) {
                double[] up = concat(SC, SR);
                double[] down = concat(SC, SR);
                up[j] += h;
                down[j] -= h;
                fd[j] = (lossAt(m, name, s, up) - lossAt(m, name, s, down)) / (2 * h);
            }
            new Tolerance(1e-6, 1e-9).assertClose(name + " autograd vs central differences", fd, grad);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("boundedLosses")
    void marginsOfTenThousandNatsStayFinite(String name, LossSettings s) {
        // Delta = +1e4 and -1e4 through the policy, then through the reference (log-ratios of +-1e4).
        double[] sc = {-10, -10010, -10, -10};
        double[] sr = {-10010, -10, -10, -10};
        double[] rc = {-10, -10, -10010, -10};
        double[] rr = {-10, -10, -10, -10010};
        // AlphaPO's loss itself grows like e^(alpha |x|)/alpha: at 2,000 nats per token it exceeds float32.
        List<DataType> types = name.equals("alphapo") ? List.of(DataType.FLOAT64) : List.of(DataType.FLOAT32, DataType.FLOAT64);
        for (DataType type : types) {
            try (NDManager m = TorchRuntime.engine().newBaseManager()) {
                double[] grad = autogradOf(m, name, s, sc, sr, rc, rr, type);
                double loss = lossAt(m, name, s, concat(sc, sr), rc, rr, type);
                assertTrue(Double.isFinite(loss), name + " [" + type + "]: loss " + loss);
                for (double g : grad) {
                    assertTrue(Double.isFinite(g), name + " [" + type + "]: gradient " + java.util.Arrays.toString(grad));
                }
            }
        }
    }

    @Test
    void gradientsSurviveGarbageCollectionBetweenForwardAndBackward() {
        // djl-notes.md 2.3: a Java-backed scalar freed before backward corrupts the gradient; ours are native.
        Engine engine = TorchRuntime.engine();
        for (String name : List.of("sigmoid", "ipo", "discopop", "robust", "simpo")) {
            LossSettings s = LossSettings.defaults().with("label_smoothing", "0.1");
            for (int round = 0; round < 10; round++) {
                try (NDManager m = engine.newBaseManager()) {
                    double[] clean = autogradOf(m, name, s, SC, SR, RC, RR, DataType.FLOAT32);
                    PreferenceBatch batch = batch(m, SC, SR, RC, RR, DataType.FLOAT32);
                    try (GradientCollector gc = engine.newGradientCollector()) {
                        NDArray loss = LossRegistry.create(name, s).compute(batch).loss();
                        churn();
                        gc.backward(loss);
                    }
                    double[] got = concat(LossTable.toDoubles(batch.policyChosen().getGradient()),
                            LossTable.toDoubles(batch.policyRejected().getGradient()));
                    new Tolerance(0, 0).assertClose(name + " gradient after GC, round " + round, clean, got);
                }
            }
        }
    }

    @Test
    void exoPairIsStationaryAtItsOptimum() {
        // losses.md: dl/dx = sigma'(x) (x - log((1-eps)/eps)), zero at x = 6.9 for eps = 1e-3.
        double eps = 1e-3;
        double x = Math.log((1 - eps) / eps);
        LossSettings s = LossSettings.defaults().with("label_smoothing", Double.toString(eps));
        double[] g = singlePairGradient("exo_pair", s, x / s.beta());
        new Tolerance(0, 1e-12).assertClose("exo_pair slope at its optimum", 0, g[0]);
    }

    @Test
    void discopopSlopeAtZeroMarginIsPositive() {
        // losses.md: at x = 0 the slope is +0.784 for tau = 0.05, so dl/dS_c = beta * 0.784.
        double slope = -0.25 - Math.log(2) * 0.25 / 0.05 + 0.5 * (0.5 / 0.05 - 1);
        new Tolerance(0, 5e-4).assertClose("worked slope", 0.784, slope);
        double[] g = singlePairGradient("discopop", LossSettings.defaults(), 0);
        new Tolerance(1e-9, 0).assertClose("discopop dl/dS_c at Delta = 0", 0.1 * slope, g[0]);
    }

    @Test
    void hingeHasNoGradientAtItsKinkAndIpoNoneAtItsTarget() {
        double[] hinge = singlePairGradient("hinge", LossSettings.defaults(), 10); // x = beta Delta = 1
        new Tolerance(0, 0).assertClose("hinge at x = 1", 0, hinge[0]);
        double[] ipo = singlePairGradient("ipo", LossSettings.defaults(), 5); // Dbar = 1/(2 beta) with n = 1
        new Tolerance(0, 1e-12).assertClose("ipo at its target margin", 0, ipo[0]);
        double[] sppo = singlePairGradient("sppo_hard", LossSettings.defaults(), 5); // c = 1/(2 beta)
        new Tolerance(0, 1e-12).assertClose("sppo_hard chosen term at its target", 0, sppo[0]);
    }

    @Test
    void ktoPairPassesGradientThroughItsKlClampWhenPolicyEqualsReference() {
        // TRL 0.8.6 clamps the KL estimates with clamp(min=0), whose gradient at 0 is 1. With policy = reference
        // (the first step) every term sits at 0, so dL/dS_c = -beta/(4N) and dL/dS_r = +beta/(4N); relu would halve them.
        try (NDManager m = TorchRuntime.engine().newBaseManager()) {
            double[] grad = autogradOf(m, "kto_pair", LossSettings.defaults(), RC, RR, RC, RR, DataType.FLOAT64);
            double g = 0.1 / (4 * RC.length);
            new Tolerance(1e-12, 0).assertClose("kto_pair gradient at policy = reference",
                    new double[] {-g, -g, -g, -g, g, g, g, g}, grad);
        }
    }

    @Test
    void bcoPairLegacyShiftIsTheRunningMeanOfBatchMeanRewards() {
        // TRL <= 0.28: RunningMoments updated with one batch-mean reward per step, before the loss reads it.
        BcoPairLegacyLoss loss = (BcoPairLegacyLoss) LossRegistry.create("bco_pair_legacy", LossSettings.defaults());
        double first = 0;
        double second = 0;
        for (int i = 0; i < SC.length; i++) {
            first += 0.1 * ((SC[i] - RC[i]) + (SR[i] - RR[i])) / (2 * SC.length);
            second += 0.1 * ((RC[i] - RC[i]) + (RR[i] - RR[i])) / (2 * SC.length);
        }
        try (NDManager m = TorchRuntime.engine().newBaseManager()) {
            loss.compute(batch(m, SC, SR, RC, RR, DataType.FLOAT64));
            new Tolerance(1e-12, 0).assertClose("delta after step 1", first, loss.delta());
            loss.compute(batch(m, RC, RR, RC, RR, DataType.FLOAT64));
            new Tolerance(1e-12, 1e-15).assertClose("delta after step 2", (first + second) / 2, loss.delta());
        }
    }

    /** dL/dS_c of one pair with S_c - R_c = delta, S_r = R_r, lengths 1. */
    private static double[] singlePairGradient(String name, LossSettings s, double delta) {
        try (NDManager m = TorchRuntime.engine().newBaseManager()) {
            double[] one = {1};
            NDArray sc = LossTable.array(m, new double[] {-20 + delta}, DataType.FLOAT64);
            NDArray sr = LossTable.array(m, new double[] {-30}, DataType.FLOAT64);
            sc.setRequiresGradient(true);
            sr.setRequiresGradient(true);
            PreferenceBatch batch = PreferenceBatch.of(sc, sr, LossTable.array(m, new double[] {-20}, DataType.FLOAT64),
                    LossTable.array(m, new double[] {-30}, DataType.FLOAT64), LossTable.array(m, one, DataType.FLOAT64),
                    LossTable.array(m, one, DataType.FLOAT64));
            try (GradientCollector gc = TorchRuntime.engine().newGradientCollector()) {
                gc.backward(LossRegistry.create(name, s).compute(batch).loss());
            }
            return LossTable.toDoubles(sc.getGradient());
        }
    }

    private static double[] autogradOf(NDManager m, String name, LossSettings s, double[] sc, double[] sr,
            double[] rc, double[] rr, DataType type) {
        PreferenceBatch batch = batch(m, sc, sr, rc, rr, type);
        try (GradientCollector gc = TorchRuntime.engine().newGradientCollector()) {
            gc.backward(LossRegistry.create(name, s).compute(batch).loss());
        }
        return concat(LossTable.toDoubles(batch.policyChosen().getGradient()),
                LossTable.toDoubles(batch.policyRejected().getGradient()));
    }

    private static double lossAt(NDManager m, String name, LossSettings s, double[] policy) {
        return lossAt(m, name, s, policy, RC, RR, DataType.FLOAT64);
    }

    private static double lossAt(NDManager m, String name, LossSettings s, double[] policy, double[] rc, double[] rr,
            DataType type) {
        int n = rc.length;
        double[] sc = java.util.Arrays.copyOfRange(policy, 0, n);
        double[] sr = java.util.Arrays.copyOfRange(policy, n, 2 * n);
        // A fresh loss per evaluation: bco_pair_legacy keeps a running mean across calls.
        return LossTable.toDoubles(LossRegistry.create(name, s).compute(batch(m, sc, sr, rc, rr, type)).loss())[0];
    }

    private static PreferenceBatch batch(NDManager m, double[] sc, double[] sr, double[] rc, double[] rr,
            DataType type) {
        NDArray c = LossTable.array(m, sc, type);
        NDArray r = LossTable.array(m, sr, type);
        c.setRequiresGradient(true);
        r.setRequiresGradient(true);
        double[] pilotPolicy = new double[sc.length];
        double[] pilotReference = new double[sc.length];
        double[] omega = new double[sc.length];
        double[] fromReference = new double[sc.length];
        for (int i = 0; i < sc.length; i++) {
            pilotPolicy[i] = -3.0 - i;
            pilotReference[i] = -3.5 - 0.5 * i;
            omega[i] = 0.5 + 0.25 * i;
            fromReference[i] = i % 2;
        }
        return PreferenceBatch.of(c, r, LossTable.array(m, rc, type), LossTable.array(m, rr, type),
                        LossTable.array(m, NC, type), LossTable.array(m, NR, type))
                .withPairWeights(LossTable.array(m, omega, type))
                .withChosenFromReference(LossTable.array(m, fromReference, type))
                .withPilots(new SgdpoPilots(LossTable.array(m, pilotPolicy, type), LossTable.array(m, pilotReference, type),
                        LossTable.array(m, pilotPolicy, type), LossTable.array(m, pilotReference, type)));
    }

    private static void churn() {
        List<byte[]> garbage = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            garbage.add(new byte[64 * 1024]);
        }
        garbage.clear();
        System.gc();
        System.runFinalization();
    }

    private static double[] concat(double[] a, double[] b) {
        double[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}

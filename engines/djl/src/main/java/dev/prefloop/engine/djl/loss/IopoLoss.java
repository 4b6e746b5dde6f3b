package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * l = -w log sigma(beta [(log mu(y_w) - log nu(y_w)) - (log mu(y_l) - log nu(y_l))]), w = min(r, clip(r, 1-eps, 1+eps)):
 * IOPO (Eqs. 11, 12, 14), {@code iopo}; learner = the batch's policy, frozen player = its reference, w a constant.
 */
final class IopoLoss implements PreferenceLoss {

    private final LossSettings s;

    IopoLoss(LossSettings s) {
        this.s = s;
    }

    @Override
    public LossOutput compute(PreferenceBatch batch) {
        NDArray z = batch.chosenLogRatio().sub(batch.rejectedLogRatio())
                .mul(NativeConstants.scalar(batch.policyChosen(), s.beta()));
        Weights w = weights(batch);
        NDArray l = StableOps.softplus(z.neg()).mul(NativeConstants.vector(z, w.values));
        int n = w.values.length;
        return LossOutput.dpo(l, batch, s.beta())
                .withExtra("iopo/mean_weight", NativeConstants.scalar(z, w.mean()))
                .withExtra("iopo/capped_fraction", NativeConstants.scalar(z, (double) w.capped / n))
                .withExtra("iopo/reset_fraction", NativeConstants.scalar(z, (double) w.reset / n))
                .withExtra("iopo/below_clip_fraction", NativeConstants.scalar(z, (double) w.belowClip / n));
    }

    /** The importance weights, computed in float64 from detached log-probabilities. */
    Weights weights(PreferenceBatch batch) {
        double[] logR = s.iopoWeight() == IopoWeight.ADVERSARY
                ? doubles(batch.referenceChosen().sub(batch.referenceRejected()))
                : doubles(batch.rejectedLogRatio());
        if (s.iopoRatio() == IopoRatio.MEAN_TOKEN) {
            double[] nw = doubles(batch.requireChosenLengths());
            double[] nl = doubles(batch.requireRejectedLengths());
            for (int i = 0; i < logR.length; i++) {
                logR[i] /= (nw[i] + nl[i]) / 2;
            }
        }
        Weights w = new Weights(new double[logR.length]);
        double cap = 1 + s.epsilon();
        for (int i = 0; i < logR.length; i++) {
            // Reset, never clamp, out-of-range log-ratios: a clamp would keep the reset from firing.
            boolean reset = Double.isNaN(logR[i]) || logR[i] < s.iopoResetLow() || logR[i] > s.iopoResetHigh();
            double r = reset ? 1.0 : Math.exp(logR[i]);
            // min(r, clip(r, 1-eps, 1+eps)): capped above, passed through below 1-eps.
            w.values[i] = Math.min(r, cap);
            w.reset += reset ? 1 : 0;
            w.capped += r > cap ? 1 : 0;
            w.belowClip += r < 1 - s.epsilon() ? 1 : 0;
        }
        return w;
    }

    private static double[] doubles(NDArray a) {
        try (NDArray detached = a.stopGradient(); NDArray wide = detached.toType(DataType.FLOAT64, true)) {
            return wide.toDoubleArray();
        }
    }

    /** Weights: w_i and how many pairs were reset, capped, or below the clip. */
    static final class Weights {
        final double[] values;
        int reset;
        int capped;
        int belowClip;

        Weights(double[] values) {
            this.values = values;
        }

        double mean() {
            double sum = 0;
            for (double v : values) {
                sum += v;
            }
            return sum / values.length;
        }
    }
}

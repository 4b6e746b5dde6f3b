package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;

/**
 * l = (1 - m) log(1 + e^-x) + m e^-x, m = sigma(x / tau), x = beta Delta: DiscoPOP's log-ratio modulated
 * loss (Chris Lu et al. 2024), TRL {@code discopop}; not monotone near x = 0.
 */
final class DiscopopLoss implements PreferenceLoss {

    private final LossSettings s;

    DiscopopLoss(LossSettings s) {
        this.s = s;
    }

    @Override
    public LossOutput compute(PreferenceBatch batch) {
        NDArray x = PairScores.of(batch, s).logit(s.beta());
        NDArray scaled = x.mul(NativeConstants.scalar(x, 1.0 / s.discopopTau()));
        NDArray logistic = StableOps.softplus(x.neg()).mul(StableOps.sigmoid(scaled.neg()));
        // m e^-x as exp(-x + log m): the product overflows to inf * 0 = NaN for x below about -88 in float32.
        NDArray exponential = x.neg().add(StableOps.logSigmoid(scaled)).exp();
        return LossOutput.dpo(logistic.add(exponential), batch, s.beta());
    }
}

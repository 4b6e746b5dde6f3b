package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;
import dev.prefloop.core.error.UsageException;

/**
 * l = [-(1 - eps) log sigma(x) + eps log sigma(-x)] / (1 - 2 eps), x = beta Delta: rDPO (Chowdhury et al. 2024),
 * TRL {@code robust}; it can be negative.
 */
final class RobustLoss implements PreferenceLoss {

    private final LossSettings s;

    RobustLoss(LossSettings s) {
        if (!(s.labelSmoothing() < 0.5)) {
            // TRL only warns; at eps = 0.5 the loss divides by zero.
            throw new UsageException("robust needs label_smoothing in [0, 0.5), got " + s.labelSmoothing());
        }
        this.s = s;
    }

    @Override
    public LossOutput compute(PreferenceBatch batch) {
        double eps = s.labelSmoothing();
        NDArray x = PairScores.of(batch, s).logit(s.beta());
        NDArray l = StableOps.softplus(x.neg()).mul(NativeConstants.scalar(x, (1 - eps) / (1 - 2 * eps)))
                .sub(StableOps.softplus(x).mul(NativeConstants.scalar(x, eps / (1 - 2 * eps))));
        return LossOutput.dpo(l, batch, s.beta());
    }
}

package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;
import dev.prefloop.core.error.UsageException;

/**
 * l = q (log sigma(x) - log(1 - eps)) + (1 - q)(log sigma(-x) - log eps), q = sigma(x), x = beta Delta:
 * EXO with K = 2 (Ji et al. 2024), KL(Bernoulli(q) || Bernoulli(1 - eps)), TRL {@code exo_pair}.
 */
final class ExoPairLoss implements PreferenceLoss {

    private final LossSettings s;

    ExoPairLoss(LossSettings s) {
        if (!(s.labelSmoothing() > 0)) {
            // TRL <= 0.28 silently replaced 0 by 1e-3; TRL >= 0.29 raises, and so do we.
            throw new UsageException("exo_pair needs label_smoothing > 0 (its epsilon; the paper uses 1e-3), got "
                    + s.labelSmoothing());
        }
        this.s = s;
    }

    @Override
    public LossOutput compute(PreferenceBatch batch) {
        double eps = s.labelSmoothing();
        NDArray x = PairScores.of(batch, s).logit(s.beta());
        NDArray q = StableOps.sigmoid(x);
        NDArray notQ = StableOps.sigmoid(x.neg()); // 1 - q without cancellation
        NDArray towardChosen = StableOps.logSigmoid(x).sub(NativeConstants.scalar(x, Math.log1p(-eps)));
        NDArray towardRejected = StableOps.logSigmoid(x.neg()).sub(NativeConstants.scalar(x, Math.log(eps)));
        return LossOutput.dpo(q.mul(towardChosen).add(notQ.mul(towardRejected)), batch, s.beta());
    }
}

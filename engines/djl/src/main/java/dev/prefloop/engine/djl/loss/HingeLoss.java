package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;

/** l = max(0, 1 - beta * Delta): SLiC's hinge with margin 1/beta, TRL {@code hinge}. */
final class HingeLoss implements PreferenceLoss {

    private final LossSettings s;

    HingeLoss(LossSettings s) {
        this.s = s;
    }

    @Override
    public LossOutput compute(PreferenceBatch batch) {
        NDArray x = PairScores.of(batch, s).logit(s.beta());
        // relu's gradient at the kink x = 1 is 0, as in TRL.
        return LossOutput.dpo(StableOps.relu(NativeConstants.scalar(x, 1.0).sub(x)), batch, s.beta());
    }
}

package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;

/** l = -log sigma(beta (c/n_c - r/n_r)): length-normalised DPO that keeps the reference, TRL {@code sigmoid_norm}. */
final class SigmoidNormLoss implements PreferenceLoss {

    private final LossSettings s;

    SigmoidNormLoss(LossSettings s) {
        this.s = s;
    }

    @Override
    public LossOutput compute(PreferenceBatch batch) {
        NDArray dbar = PairScores.of(batch, s).perTokenDelta(batch);
        return LossOutput.dpo(StableOps.softplus(dbar.mul(NativeConstants.scalar(dbar, s.beta())).neg()), batch, s.beta());
    }
}

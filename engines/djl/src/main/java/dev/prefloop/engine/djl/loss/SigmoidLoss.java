package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;

/** l = -log sigma(beta * Delta): DPO (Rafailov et al. 2023), TRL {@code sigmoid}; label_smoothing is not read. */
final class SigmoidLoss implements PreferenceLoss {

    private final LossSettings s;

    SigmoidLoss(LossSettings s) {
        this.s = s;
    }

    @Override
    public LossOutput compute(PreferenceBatch batch) {
        NDArray x = PairScores.of(batch, s).logit(s.beta());
        return LossOutput.dpo(StableOps.softplus(x.neg()), batch, s.beta());
    }
}

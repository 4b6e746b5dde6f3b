package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;

/**
 * l = -(1 - ls) log sigma(beta Delta) - ls log sigma(-beta Delta): conservative DPO, TRL &lt;= 0.28's {@code sigmoid}
 * with label_smoothing (TRL &gt;= 0.29 ignores label_smoothing there; prefloop names the old meaning {@code cdpo}).
 */
final class CdpoLoss implements PreferenceLoss {

    private final LossSettings s;

    CdpoLoss(LossSettings s) {
        this.s = s;
    }

    @Override
    public LossOutput compute(PreferenceBatch batch) {
        NDArray x = PairScores.of(batch, s).logit(s.beta());
        return LossOutput.dpo(StableOps.smoothedLogistic(x, s.labelSmoothing()), batch, s.beta());
    }
}

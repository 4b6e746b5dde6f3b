package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;

/** l = 1 - sigma(beta u) + sigma(beta v) on raw log-ratios: APO-zero (D'Oosterlinck et al. 2024), TRL {@code apo_zero}. */
final class ApoZeroLoss implements PreferenceLoss {

    private final LossSettings s;

    ApoZeroLoss(LossSettings s) {
        this.s = s;
    }

    @Override
    public LossOutput compute(PreferenceBatch batch) {
        NDArray u = batch.chosenLogRatio();
        NDArray beta = NativeConstants.scalar(u, s.beta());
        // 1 - sigma(a) is written sigma(-a): the same value without cancellation.
        NDArray l = StableOps.sigmoid(u.mul(beta).neg()).add(StableOps.sigmoid(batch.rejectedLogRatio().mul(beta)));
        return LossOutput.dpo(l, batch, s.beta());
    }
}

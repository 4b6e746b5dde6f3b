package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;

/**
 * l_k = -(1 - ls) log sigma(beta delta_k) - ls log sigma(-beta delta_k), delta_k = sort(u)_k - sort(v)_k:
 * AOT's unpaired form, TRL {@code aot_unpaired} (before TRL 0.29 {@code aot_pair}); l is indexed by rank.
 */
final class AotUnpairedLoss implements PreferenceLoss {

    private final LossSettings s;

    AotUnpairedLoss(LossSettings s) {
        this.s = s;
    }

    @Override
    public LossOutput compute(PreferenceBatch batch) {
        NDArray u = batch.chosenLogRatio().sort(0);
        NDArray v = batch.rejectedLogRatio().sort(0);
        NDArray y = u.sub(v).mul(NativeConstants.scalar(u, s.beta()));
        return LossOutput.dpo(StableOps.smoothedLogistic(y, s.labelSmoothing()), batch, s.beta());
    }
}

package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * l = -log sigma(beta u - delta) - log sigma(-(beta v - delta)), delta = running mean of the batch-mean reward:
 * TRL &lt;= 0.28's {@code bco_pair}, here {@code bco_pair_legacy}; one instance per training run (it keeps delta).
 */
final class BcoPairLegacyLoss implements PreferenceLoss {

    private final LossSettings s;
    // TRL's RunningMoments, updated with one scalar per step: the mean over steps of the batch means.
    // Like TRL, it is not saved in checkpoints.
    private double runningMean;
    private long steps;

    BcoPairLegacyLoss(LossSettings s) {
        this.s = s;
    }

    /** delta after the steps so far (0 before the first). */
    double delta() {
        return runningMean;
    }

    @Override
    public LossOutput compute(PreferenceBatch batch) {
        NDArray beta = NativeConstants.scalar(batch.policyChosen(), s.beta());
        NDArray chosenReward = batch.chosenLogRatio().mul(beta);
        NDArray rejectedReward = batch.rejectedLogRatio().mul(beta);
        update(chosenReward, rejectedReward);
        NDArray delta = NativeConstants.scalar(chosenReward, runningMean);
        NDArray l = StableOps.softplus(chosenReward.sub(delta).neg()).add(StableOps.softplus(rejectedReward.sub(delta)));
        return LossOutput.dpo(l, batch, s.beta()).withExtra("bco/delta", delta);
    }

    private void update(NDArray chosenReward, NDArray rejectedReward) {
        // Updated before use, as TRL did: at the first step delta is this batch's mean of all 2N rewards.
        double batchMean;
        try (NDArray all = chosenReward.concat(rejectedReward).stopGradient().mean();
                NDArray wide = all.toType(DataType.FLOAT64, true)) {
            batchMean = wide.getDouble();
        }
        steps++;
        runningMean += (batchMean - runningMean) / steps;
    }
}

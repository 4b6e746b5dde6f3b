package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;

/** l = sigma(beta u) + 1 - sigma(beta Delta): APO-down, TRL {@code apo_down}; the first term on the raw log-ratio u. */
final class ApoDownLoss implements PreferenceLoss {

    private final LossSettings s;

    ApoDownLoss(LossSettings s) {
        this.s = s;
    }

    @Override
    public LossOutput compute(PreferenceBatch batch) {
        NDArray u = batch.chosenLogRatio();
        NDArray x = PairScores.of(batch, s).logit(s.beta());
        NDArray l = StableOps.sigmoid(u.mul(NativeConstants.scalar(u, s.beta()))).add(StableOps.sigmoid(x.neg()));
        return LossOutput.dpo(l, batch, s.beta());
    }
}

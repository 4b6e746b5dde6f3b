package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;

/** l = -log sigma(beta c) - log sigma(-beta r): BCO's paired form (Jung et al. 2024), TRL {@code bco_pair}, no shift. */
final class BcoPairLoss implements PreferenceLoss {

    private final LossSettings s;

    BcoPairLoss(LossSettings s) {
        this.s = s;
    }

    @Override
    public LossOutput compute(PreferenceBatch batch) {
        PairScores sc = PairScores.of(batch, s);
        NDArray beta = NativeConstants.scalar(sc.chosen(), s.beta());
        NDArray l = StableOps.softplus(sc.chosen().mul(beta).neg()).add(StableOps.softplus(sc.rejected().mul(beta)));
        return LossOutput.dpo(l, batch, s.beta());
    }
}

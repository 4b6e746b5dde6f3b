package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;

/**
 * l = -log sigma(beta c) - 1/2 log sigma(-beta c) - 1/2 log sigma(-beta r): NCA (Chen et al. 2024), TRL {@code nca_pair}.
 */
final class NcaPairLoss implements PreferenceLoss {

    private final LossSettings s;

    NcaPairLoss(LossSettings s) {
        this.s = s;
    }

    @Override
    public LossOutput compute(PreferenceBatch batch) {
        PairScores sc = PairScores.of(batch, s);
        NDArray beta = NativeConstants.scalar(sc.chosen(), s.beta());
        NDArray half = NativeConstants.scalar(sc.chosen(), 0.5);
        NDArray a = sc.chosen().mul(beta);
        NDArray b = sc.rejected().mul(beta);
        NDArray l = StableOps.softplus(a.neg())
                .add(StableOps.softplus(a).mul(half))
                .add(StableOps.softplus(b).mul(half));
        return LossOutput.dpo(l, batch, s.beta());
    }
}

package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;

/** l = (c - 1/(2 beta))^2 + (r + 1/(2 beta))^2 on summed log-ratios: SPPO's hard-label form (Wu et al. 2024), TRL {@code sppo_hard}. */
final class SppoHardLoss implements PreferenceLoss {

    private final LossSettings s;

    SppoHardLoss(LossSettings s) {
        this.s = s;
    }

    @Override
    public LossOutput compute(PreferenceBatch batch) {
        PairScores sc = PairScores.of(batch, s);
        NDArray target = NativeConstants.scalar(sc.chosen(), 1.0 / (2 * s.beta()));
        NDArray l = sc.chosen().sub(target).square().add(sc.rejected().add(target).square());
        return LossOutput.dpo(l, batch, s.beta());
    }
}

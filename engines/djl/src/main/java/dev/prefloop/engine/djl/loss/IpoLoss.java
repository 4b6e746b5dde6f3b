package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;

/** l = (c/n_c - r/n_r - 1/(2 tau))^2 with tau = beta: IPO (Azar et al. 2023) on per-token log-ratios, TRL {@code ipo}. */
final class IpoLoss implements PreferenceLoss {

    private final LossSettings s;

    IpoLoss(LossSettings s) {
        this.s = s;
    }

    @Override
    public LossOutput compute(PreferenceBatch batch) {
        NDArray dbar = PairScores.of(batch, s).perTokenDelta(batch);
        // The target 1/(2 beta) applies to per-token log-ratios (TRL divides by n inside this loss only).
        NDArray l = dbar.sub(NativeConstants.scalar(dbar, 1.0 / (2 * s.beta()))).square();
        return LossOutput.dpo(l, batch, s.beta());
    }
}

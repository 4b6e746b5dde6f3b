package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;

/** l = (z - 1/(2 beta))^2 + cpo_alpha NLL, z = rho(S_c/n_c) - rho(S_r/n_r): TRL CPOTrainer's {@code ipo}, here {@code cpo_ipo}. */
final class CpoIpoLoss implements PreferenceLoss {

    private final LossSettings s;

    CpoIpoLoss(LossSettings s) {
        this.s = s;
    }

    @Override
    public LossOutput compute(PreferenceBatch batch) {
        CpoTerms terms = CpoTerms.of(batch, s, true);
        NDArray z = terms.margin();
        return terms.output(z.sub(NativeConstants.scalar(z, 1.0 / (2 * s.beta()))).square(), batch);
    }
}

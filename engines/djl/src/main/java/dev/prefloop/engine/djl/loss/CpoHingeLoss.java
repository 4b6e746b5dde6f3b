package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;

/** l = max(0, 1 - beta z) + cpo_alpha NLL, z = rho(S_c) - rho(S_r): TRL CPOTrainer's {@code hinge}, here {@code cpo_hinge}. */
final class CpoHingeLoss implements PreferenceLoss {

    private final LossSettings s;

    CpoHingeLoss(LossSettings s) {
        this.s = s;
    }

    @Override
    public LossOutput compute(PreferenceBatch batch) {
        CpoTerms terms = CpoTerms.of(batch, s, false);
        NDArray z = terms.margin();
        NDArray l = StableOps.relu(NativeConstants.scalar(z, 1.0).sub(z.mul(NativeConstants.scalar(z, s.beta()))));
        return terms.output(l, batch);
    }
}

package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;

/**
 * l = -(1 - ls) log sigma(beta z) - ls log sigma(-beta z) + cpo_alpha NLL, z = rho(S_c) - rho(S_r): CPO (Xu et al. 2024),
 * TRL CPOTrainer's {@code sigmoid}, here {@code cpo_sigmoid}.
 */
final class CpoSigmoidLoss implements PreferenceLoss {

    private final LossSettings s;

    CpoSigmoidLoss(LossSettings s) {
        this.s = s;
    }

    @Override
    public LossOutput compute(PreferenceBatch batch) {
        CpoTerms terms = CpoTerms.of(batch, s, false);
        NDArray z = terms.margin();
        return terms.output(StableOps.smoothedLogistic(z.mul(NativeConstants.scalar(z, s.beta())), s.labelSmoothing()), batch);
    }
}

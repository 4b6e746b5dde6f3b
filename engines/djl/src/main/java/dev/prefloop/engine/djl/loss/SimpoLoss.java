package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;

/**
 * l = -(1 - ls) log sigma(beta z - gamma) - ls log sigma(gamma - beta z) + cpo_alpha NLL, z = rho(S_c/n_c) - rho(S_r/n_r):
 * SimPO (Meng et al. 2024) and, with alpha != 0, AlphaPO; TRL CPOTrainer's {@code simpo} and {@code alphapo}.
 */
final class SimpoLoss implements PreferenceLoss {

    private final LossSettings s;

    SimpoLoss(LossSettings s) {
        this.s = s;
    }

    @Override
    public LossOutput compute(PreferenceBatch batch) {
        CpoTerms terms = CpoTerms.of(batch, s, true);
        NDArray z = terms.margin();
        NDArray y = z.mul(NativeConstants.scalar(z, s.beta())).sub(NativeConstants.scalar(z, s.simpoGamma()));
        return terms.output(StableOps.smoothedLogistic(y, s.labelSmoothing()), batch);
    }
}

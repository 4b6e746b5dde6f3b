package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;

/**
 * l = 1/2 [-(1-ls) log sigma(beta z1) - ls log sigma(-beta z1)] + 1/2 [same for z2], z1 = (S_c - P_l) - (R_c - Q_l),
 * z2 = (P_w - S_r) - (Q_w - R_r): SGDPO (Zhu et al. 2025) with pilot sums P (policy) and Q (reference), {@code sgdpo}.
 */
final class SgdpoLoss implements PreferenceLoss {

    private final LossSettings s;

    SgdpoLoss(LossSettings s) {
        this.s = s;
    }

    @Override
    public LossOutput compute(PreferenceBatch batch) {
        SgdpoPilots p = PreferenceBatch.require(batch.pilots(), "SGDPO pilot sums");
        // Pilot sums are detached here too, so a caller cannot leak gradient through them.
        NDArray z1 = batch.policyChosen().sub(p.policyRejected().stopGradient())
                .sub(batch.referenceChosen().sub(p.referenceRejected().stopGradient()));
        NDArray z2 = p.policyChosen().stopGradient().sub(batch.policyRejected())
                .sub(p.referenceChosen().stopGradient().sub(batch.referenceRejected()));
        NDArray beta = NativeConstants.scalar(z1, s.beta());
        NDArray l = StableOps.smoothedLogistic(z1.mul(beta), s.labelSmoothing())
                .add(StableOps.smoothedLogistic(z2.mul(beta), s.labelSmoothing()))
                .mul(NativeConstants.scalar(z1, 0.5));
        return LossOutput.dpo(l, batch, s.beta());
    }
}

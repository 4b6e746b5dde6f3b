package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;

/**
 * l_k = -(1 - ls) log sigma(beta delta_k) - ls log sigma(-beta delta_k), delta_k = sort(S_c - S_r)_k - sort(R_c - R_r)_k:
 * AOT's paired form (Melnyk et al. 2024), TRL {@code aot}; l is indexed by rank, raw logps (no f-divergence).
 */
final class AotLoss implements PreferenceLoss {

    private final LossSettings s;

    AotLoss(LossSettings s) {
        this.s = s;
    }

    @Override
    public LossOutput compute(PreferenceBatch batch) {
        // The two sorts are independent: rank k of the policy margins meets rank k of the reference margins.
        NDArray policy = batch.policyChosen().sub(batch.policyRejected()).sort(0);
        NDArray reference = batch.referenceChosen().sub(batch.referenceRejected()).sort(0);
        NDArray y = policy.sub(reference).mul(NativeConstants.scalar(policy, s.beta()));
        return LossOutput.dpo(StableOps.smoothedLogistic(y, s.labelSmoothing()), batch, s.beta());
    }
}

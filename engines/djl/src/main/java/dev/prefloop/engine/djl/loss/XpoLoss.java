package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;

/**
 * l = -log sigma(beta Delta) + alpha S_ref (or (Delta - 1/(2 beta))^2 + alpha S_ref), S_ref the policy's summed logp of
 * the reference model's response: XPO (Xie et al. 2024), TRL XPOTrainer, {@code xpo} / {@code xpo_ipo}.
 */
final class XpoLoss implements PreferenceLoss {

    private final LossSettings s;
    private final boolean ipo;

    XpoLoss(LossSettings s, boolean ipo) {
        this.s = s;
        this.ipo = ipo;
    }

    @Override
    public LossOutput compute(PreferenceBatch batch) {
        NDArray marker = PreferenceBatch.require(batch.chosenFromReference(), "XPO's marker of the reference's response");
        // Summed, raw log-ratios: XPOTrainer has no f-divergence and its ipo is not length-normalised.
        NDArray delta = batch.chosenLogRatio().sub(batch.rejectedLogRatio());
        NDArray dpo = ipo
                ? delta.sub(NativeConstants.scalar(delta, 1.0 / (2 * s.beta()))).square()
                : StableOps.softplus(delta.mul(NativeConstants.scalar(delta, s.beta())).neg());
        NDArray chosenSide = marker.stopGradient();
        NDArray rejectedSide = NativeConstants.scalar(chosenSide, 1.0).sub(chosenSide);
        NDArray referenceResponse = batch.policyChosen().mul(chosenSide).add(batch.policyRejected().mul(rejectedSide));
        NDArray xpo = referenceResponse.mul(NativeConstants.scalar(referenceResponse, s.xpoAlpha()));
        return LossOutput.dpo(dpo.add(xpo), batch, s.beta())
                .withExtra("loss/dpo", dpo.mean())
                .withExtra("loss/xpo", xpo.mean());
    }
}

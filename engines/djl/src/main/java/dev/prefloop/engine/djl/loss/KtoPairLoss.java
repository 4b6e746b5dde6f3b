package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;

/**
 * l = [(1 - sigma(beta (u - z_r))) + (1 - sigma(beta (z_c - v)))] / 2, z = max(0, batch mean log-ratio), not detached:
 * TRL &lt;= 0.8.6's {@code kto_pair} (a paired KTO approximation, removed since); kept for migrating users.
 */
final class KtoPairLoss implements PreferenceLoss {

    private final LossSettings s;

    KtoPairLoss(LossSettings s) {
        this.s = s;
    }

    @Override
    public LossOutput compute(PreferenceBatch batch) {
        NDArray u = batch.chosenLogRatio();
        NDArray v = batch.rejectedLogRatio();
        NDArray beta = NativeConstants.scalar(u, s.beta());
        NDArray klChosen = clampAtZero(u.mean());
        NDArray klRejected = clampAtZero(v.mean());
        // 1 - sigma(a) as sigma(-a); TRL averaged the 2N terms, i.e. each pair's two terms halved.
        NDArray chosenTerm = StableOps.sigmoid(u.sub(klRejected).mul(beta).neg());
        NDArray rejectedTerm = StableOps.sigmoid(klChosen.sub(v).mul(beta).neg());
        NDArray l = chosenTerm.add(rejectedTerm).mul(NativeConstants.scalar(u, 0.5));
        return LossOutput.dpo(l, batch, s.beta());
    }

    /**
     * max(k, 0) with gradient 1 at k = 0, as torch.clamp(min=0) (relu's is 0 there). It matters: at the first step
     * the policy equals the reference and every log-ratio, so their mean, is exactly 0.
     */
    private static NDArray clampAtZero(NDArray k) {
        NDArray kept = k.gte(NativeConstants.scalar(k, 0.0)).toType(k.getDataType(), false);
        return k.mul(kept);
    }
}

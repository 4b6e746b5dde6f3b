package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;

/**
 * PairScores: the DPO family's scores c = phi(u), r = phi(v) and Delta = c - r of a batch.
 *
 * @param chosen c = phi(S_c - R_c)
 * @param rejected r = phi(S_r - R_r)
 */
record PairScores(NDArray chosen, NDArray rejected) {

    /** The scores of batch under the settings' f-divergence. */
    static PairScores of(PreferenceBatch batch, LossSettings s) {
        FDivergence phi = s.fDivergenceType();
        return new PairScores(phi.score(batch.chosenLogRatio(), s.fAlphaDivergenceCoef()),
                phi.score(batch.rejectedLogRatio(), s.fAlphaDivergenceCoef()));
    }

    /** Delta = c - r. */
    NDArray delta() {
        return chosen.sub(rejected);
    }

    /** x = beta * Delta, the DPO logit. */
    NDArray logit(double beta) {
        return delta().mul(NativeConstants.scalar(chosen, beta));
    }

    /** Dbar = c / max(n_c, 1) - r / max(n_r, 1): the per-token score difference of ipo and sigmoid_norm. */
    NDArray perTokenDelta(PreferenceBatch batch) {
        NDArray one = NativeConstants.scalar(chosen, 1.0);
        return chosen.div(batch.requireChosenLengths().maximum(one))
                .sub(rejected.div(batch.requireRejectedLengths().maximum(one)));
    }
}

package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;

/**
 * L = -(sum_i S_c,i) / (sum_i n_c,i): the chosen completions' NLL as a token mean over the micro-batch, TRL {@code sft};
 * the batch value is repeated as every pair's l_i.
 */
final class SftLoss implements PreferenceLoss {

    private final LossSettings s;

    SftLoss(LossSettings s) {
        this.s = s;
    }

    /** -(sum S_c) / (sum n_c) as a 0-d array on plain sums (LD weighting does not apply); CPO's NLL is the same. */
    static NDArray tokenMeanNll(PreferenceBatch batch) {
        return batch.plainPolicyChosen().sum().neg().div(batch.requireChosenLengths().sum());
    }

    @Override
    public LossOutput compute(PreferenceBatch batch) {
        NDArray nll = tokenMeanNll(batch);
        NDArray l = nll.broadcast(batch.policyChosen().getShape());
        return LossOutput.dpo(l, batch, s.beta());
    }
}

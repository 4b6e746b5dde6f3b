package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * L = sum_k w_k mean_i(omega_i l_k,i): DPOTrainer's list of loss types with {@code loss_weights}, and WPO's pair weights
 * omega under {@code use_weighting} (RPO = [sigmoid, sft] with [1, rpo_alpha]; MPO = [sigmoid, bco_pair, sft]).
 */
public final class LossMix implements PreferenceLoss {

    private final List<PreferenceLoss> losses;
    private final double[] weights;
    private final boolean useWeighting;

    LossMix(List<PreferenceLoss> losses, double[] weights, boolean useWeighting) {
        this.losses = List.copyOf(losses);
        this.weights = weights.clone();
        this.useWeighting = useWeighting;
    }

    @Override
    public LossOutput compute(PreferenceBatch batch) {
        NDArray omega = useWeighting
                ? PreferenceBatch.require(batch.pairWeights(), "WPO pair weights (use_weighting)").stopGradient()
                : null;
        LossOutput first = null;
        NDArray total = null;
        for (int k = 0; k < losses.size(); k++) {
            LossOutput out = losses.get(k).compute(batch);
            NDArray term = out.perPair();
            if (weights[k] != 1.0) {
                term = term.mul(NativeConstants.scalar(term, weights[k]));
            }
            if (omega != null) {
                term = term.mul(omega);
            }
            total = total == null ? term : total.add(term);
            first = first == null ? out : first;
        }
        // Metrics never depend on the loss types (losses.md section 4): take the first term's.
        return new LossOutput(total, first.chosenRewards(), first.rejectedRewards(), first.chosenLogps(),
                first.rejectedLogps(), first.extras());
    }
}

package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * LossOutput: per-pair loss values (their mean is the batch loss) and what TRL logs beside them.
 *
 * @param perPair l_i, shape (N); for aot/aot_unpaired indexed by sorted rank, for sft the batch value repeated
 * @param chosenRewards the implicit rewards of the chosen side, shape (N), detached
 * @param rejectedRewards the same for the rejected side
 * @param chosenLogps what TRL logs as logps/chosen per pair (sums, or token means for SimPO/CPO-ipo), detached
 * @param rejectedLogps the same for the rejected side
 * @param extras further scalar metrics under TRL-style names (nll_loss, loss/xpo, iopo/...), detached
 */
public record LossOutput(NDArray perPair, NDArray chosenRewards, NDArray rejectedRewards, NDArray chosenLogps,
        NDArray rejectedLogps, Map<String, NDArray> extras) {

    /** DPOTrainer's bookkeeping: rewards beta*(S - R) on raw summed log-ratios, logps the summed S. */
    public static LossOutput dpo(NDArray perPair, PreferenceBatch batch, double beta) {
        NDArray b = NativeConstants.scalar(batch.policyChosen(), beta);
        return new LossOutput(perPair,
                batch.chosenLogRatio().stopGradient().mul(b),
                batch.rejectedLogRatio().stopGradient().mul(b),
                batch.policyChosen().stopGradient(),
                batch.policyRejected().stopGradient(),
                Map.of());
    }

    /** The batch loss, mean_i l_i, a 0-d array carrying gradient. */
    public NDArray loss() {
        return perPair.mean();
    }

    /** This output with one more logged scalar. */
    public LossOutput withExtra(String name, NDArray value) {
        Map<String, NDArray> more = new LinkedHashMap<>(extras);
        more.put(name, value.stopGradient());
        return new LossOutput(perPair, chosenRewards, rejectedRewards, chosenLogps, rejectedLogps, more);
    }

    /**
     * The batch's logged values under TRL's names: rewards/chosen, rewards/rejected, rewards/margins,
     * rewards/accuracies (strict: a tie counts 0), logps/chosen, logps/rejected, then the extras.
     */
    public Map<String, Double> metrics() {
        double[] rc = doubles(chosenRewards);
        double[] rr = doubles(rejectedRewards);
        double margin = 0;
        double correct = 0;
        for (int i = 0; i < rc.length; i++) {
            margin += rc[i] - rr[i];
            correct += rc[i] > rr[i] ? 1 : 0;
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("rewards/chosen", mean(chosenRewards));
        m.put("rewards/rejected", mean(rejectedRewards));
        m.put("rewards/margins", margin / rc.length);
        m.put("rewards/accuracies", correct / rc.length);
        m.put("logps/chosen", mean(chosenLogps));
        m.put("logps/rejected", mean(rejectedLogps));
        extras.forEach((k, v) -> m.put(k, mean(v)));
        return m;
    }

    private static double[] doubles(NDArray a) {
        try (NDArray wide = a.toType(DataType.FLOAT64, true)) {
            return wide.toDoubleArray();
        }
    }

    private static double mean(NDArray a) {
        double[] x = doubles(a);
        double s = 0;
        for (double d : x) {
            s += d;
        }
        return s / x.length;
    }
}

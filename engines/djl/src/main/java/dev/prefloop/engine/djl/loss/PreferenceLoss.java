package dev.prefloop.engine.djl.loss;

/**
 * PreferenceLoss: a loss over per-sequence log-probabilities of a batch of pairs, L = mean_i l_i.
 *
 * <p>Implementations build every constant with {@link NativeConstants} and every log/exp with
 * {@link StableOps}, so that they may run inside a GradientCollector.
 */
public interface PreferenceLoss {

    /** The per-pair values l_i and the metrics TRL logs for this batch. */
    LossOutput compute(PreferenceBatch batch);
}

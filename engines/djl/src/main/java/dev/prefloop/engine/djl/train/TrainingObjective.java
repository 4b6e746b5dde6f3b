package dev.prefloop.engine.djl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.prefloop.engine.djl.model.LlamaModel;
import java.util.Map;

/**
 * TrainingObjective is what a trainer minimises over a list of examples: the step's loss is the sum of the
 * micro-batches' {@link Micro#lossSum} divided by {@link #normaliser} of the whole step, so splitting a step
 * into micro-batches (accumulation, token budget) leaves its gradient unchanged.
 *
 * <p>An objective that needs more than the policy (a second trainable model, per-token log-probabilities)
 * holds it itself; the trainer only sees parameters, losses and metrics.
 */
public interface TrainingObjective {

    /**
     * One micro-batch's result.
     *
     * @param lossSum the summed loss of the micro-batch (0-d, carrying gradient)
     * @param metrics TRL-named metrics averaged over the micro-batch's examples
     * @param tokens real (non-pad) tokens of the micro-batch
     */
    record Micro(NDArray lossSum, Map<String, Double> metrics, long tokens) {}

    /** The number of examples. */
    int size();

    /** An example's longest row in tokens, for the token budget. */
    int longestRow(int example);

    /** Rows per example: 2 for a pair (chosen and rejected), 1 for SFT. */
    int rowsPerExample();

    /** What a step's summed loss is divided by: its number of pairs, or its number of completion tokens. */
    double normaliser(int[] stepExamples);

    /** Called before each optimizer step's micro-batches with the step's index (from 0), for per-step draws. */
    default void beginStep(long globalStep) {}

    /** The micro-batch's forward pass and loss, on {@code manager} (the step's). */
    Micro compute(LlamaModel model, int[] examples, NDManager manager);

    /** The trainable parameters by name: the policy's (its adapter's with LoRA), plus any the objective owns. */
    default Map<String, NDArray> trainableParameters(LlamaModel model) {
        return model.trainableParameters();
    }
}

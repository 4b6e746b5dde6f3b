package dev.prefloop.engine.djl.train;

/**
 * TrainerState: where a run stands after {@code globalStep} optimizer steps; with the seed this fixes the data
 * position (the epoch's permutation and the offset in it), so it is all a resume needs besides tensors.
 *
 * @param globalStep optimizer steps done (skipped non-finite steps included)
 * @param skippedSteps steps skipped for a non-finite loss or gradient
 * @param consecutiveNonFinite the current run of non-finite steps
 * @param tokensSeen real tokens processed (transformers' num_input_tokens_seen)
 */
public record TrainerState(long globalStep, long skippedSteps, int consecutiveNonFinite, long tokensSeen) {

    /** The state of a run that has not started. */
    public static TrainerState start() {
        return new TrainerState(0, 0, 0, 0);
    }
}

package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;

/**
 * PreferenceBatch: one micro-batch of N pairs as per-sequence log-probabilities, each array of shape (N).
 *
 * <p>Only the policy sums carry gradient. The optional inputs are null when absent; a loss that needs
 * one says so when it is missing. For IOPO the learner is the policy and the frozen player the
 * reference, with chosen/rejected already oriented as preferred/dispreferred.
 *
 * @param policyChosen S_c: policy logp of the chosen completion, summed over its tokens
 * @param policyRejected S_r: the same for the rejected completion
 * @param referenceChosen R_c: reference logp of the chosen completion (null for reference-free losses)
 * @param referenceRejected R_r: the same for the rejected completion
 * @param chosenLengths n_c: completion token counts of the chosen side, in the logps' dtype
 * @param rejectedLengths n_r: the same for the rejected side
 * @param pairWeights WPO's omega_i = exp(abar_c + abar_r), constants (null unless use_weighting)
 * @param chosenFromReference XPO: 1 where the chosen response was sampled from the reference model, else 0
 * @param pilots SGDPO's pilot sums (null unless sgdpo)
 * @param unweightedPolicyChosen S_c as a plain sum when ld_alpha made policyChosen an LD-weighted one (null: the
 *     same as policyChosen); the NLL of sft and CPO reads raw token logps
 */
public record PreferenceBatch(
        NDArray policyChosen,
        NDArray policyRejected,
        NDArray referenceChosen,
        NDArray referenceRejected,
        NDArray chosenLengths,
        NDArray rejectedLengths,
        NDArray pairWeights,
        NDArray chosenFromReference,
        SgdpoPilots pilots,
        NDArray unweightedPolicyChosen) {

    /** A batch with policy and reference sums and completion lengths. */
    public static PreferenceBatch of(NDArray policyChosen, NDArray policyRejected, NDArray referenceChosen,
            NDArray referenceRejected, NDArray chosenLengths, NDArray rejectedLengths) {
        return new PreferenceBatch(policyChosen, policyRejected, referenceChosen, referenceRejected,
                chosenLengths, rejectedLengths, null, null, null, null);
    }

    /** A batch for the reference-free CPO family. */
    public static PreferenceBatch referenceFree(NDArray policyChosen, NDArray policyRejected,
            NDArray chosenLengths, NDArray rejectedLengths) {
        return of(policyChosen, policyRejected, null, null, chosenLengths, rejectedLengths);
    }

    /** This batch with WPO pair weights. */
    public PreferenceBatch withPairWeights(NDArray omega) {
        return new PreferenceBatch(policyChosen, policyRejected, referenceChosen, referenceRejected,
                chosenLengths, rejectedLengths, omega, chosenFromReference, pilots, unweightedPolicyChosen);
    }

    /** This batch with XPO's marker of the reference model's response. */
    public PreferenceBatch withChosenFromReference(NDArray marker) {
        return new PreferenceBatch(policyChosen, policyRejected, referenceChosen, referenceRejected,
                chosenLengths, rejectedLengths, pairWeights, marker, pilots, unweightedPolicyChosen);
    }

    /** This batch with SGDPO's pilot sums. */
    public PreferenceBatch withPilots(SgdpoPilots sgdpoPilots) {
        return new PreferenceBatch(policyChosen, policyRejected, referenceChosen, referenceRejected,
                chosenLengths, rejectedLengths, pairWeights, chosenFromReference, sgdpoPilots, unweightedPolicyChosen);
    }

    /** This batch with the plain chosen sums beside LD-weighted ones. */
    public PreferenceBatch withUnweightedPolicyChosen(NDArray plainSums) {
        return new PreferenceBatch(policyChosen, policyRejected, referenceChosen, referenceRejected,
                chosenLengths, rejectedLengths, pairWeights, chosenFromReference, pilots, plainSums);
    }

    /** The plain sum of the chosen side's policy token logps, LD weighting or not. */
    public NDArray plainPolicyChosen() {
        return unweightedPolicyChosen != null ? unweightedPolicyChosen : policyChosen;
    }

    /** u = S_c - R_c, the chosen log-ratio. */
    public NDArray chosenLogRatio() {
        return policyChosen.sub(require(referenceChosen, "reference log-probabilities"));
    }

    /** v = S_r - R_r, the rejected log-ratio. */
    public NDArray rejectedLogRatio() {
        return policyRejected.sub(require(referenceRejected, "reference log-probabilities"));
    }

    /** n_c, failing clearly when the batch has no lengths. */
    public NDArray requireChosenLengths() {
        return require(chosenLengths, "completion lengths");
    }

    /** n_r, failing clearly when the batch has no lengths. */
    public NDArray requireRejectedLengths() {
        return require(rejectedLengths, "completion lengths");
    }

    /** The number of pairs N. */
    public long size() {
        return policyChosen.getShape().get(0);
    }

    static <T> T require(T input, String what) {
        if (input == null) {
            throw new IllegalArgumentException("this loss needs " + what + " in the batch");
        }
        return input;
    }
}

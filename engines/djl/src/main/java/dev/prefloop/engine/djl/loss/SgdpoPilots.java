package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;

/**
 * SgdpoPilots: SGDPO's pilot sums per pair, each of shape (N), constants (no gradient flows through them).
 *
 * @param policyChosen pilot_w: policy logps summed over a random sub-sequence of y_w
 * @param referenceChosen pilot_ref_w: the reference's, same positions
 * @param policyRejected pilot_l: policy logps summed over a random sub-sequence of y_l
 * @param referenceRejected pilot_ref_l: the reference's, same positions
 */
public record SgdpoPilots(NDArray policyChosen, NDArray referenceChosen, NDArray policyRejected,
        NDArray referenceRejected) {}

package dev.prefloop.engine.djl.generate;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * LogitsMixing combines the next-token logits of models stepped in lockstep into the scores one
 * token is sampled from, before any logits processor (PILAF, algorithms.md section 1).
 */
public interface LogitsMixing {

    /** How many models' logits {@link #mix} takes. */
    int models();

    /** logits: one (B, V) float32 per model, in lockstep order -> mixed scores (B, V) float32. */
    NDArray mix(List<NDArray> logits);

    /**
     * Mixes the logits of a batch whose row r decodes request {@code requests[r]} (its index in the
     * generate call; rows leave as they finish); by default every row alike, as {@link #mix(List)}.
     */
    default NDArray mix(List<NDArray> logits, long[] requests) {
        return mix(logits);
    }
}

package dev.prefloop.engine.djl.generate;

/**
 * GenerationRequest is one prompt to continue, named by the record id and sample index that seed
 * its random stream (see {@link SequenceRandom}).
 *
 * @param recordId the input record's id (any stable string)
 * @param sampleIndex which of several samples of that record this is (0, 1, ...)
 * @param promptIds the prompt's token ids, at least one
 */
public record GenerationRequest(String recordId, int sampleIndex, long[] promptIds) {

    /** Checks that there is a prompt. */
    public GenerationRequest {
        if (promptIds == null || promptIds.length == 0) {
            throw new IllegalArgumentException("record " + recordId + ": empty prompt (no token ids)");
        }
    }
}

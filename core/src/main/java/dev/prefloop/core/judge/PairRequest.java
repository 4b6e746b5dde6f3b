package dev.prefloop.core.judge;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * PairRequest asks whether response {@code a} beats response {@code b} for a prompt (a string or a
 * message list, as in the records); {@code id} is unique within a batch and names the record in errors.
 */
public record PairRequest(String id, JsonNode prompt, long[] promptIds, Response a, Response b) {

    /** The same comparison with the two responses in the other order. */
    public PairRequest swapped(String newId) {
        return new PairRequest(newId, prompt, promptIds, b, a);
    }
}

package dev.prefloop.core.judge;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * ScoreRequest asks for the score of one response to a prompt (a string or a message list);
 * {@code id} is unique within a batch and names the record in errors.
 */
public record ScoreRequest(String id, JsonNode prompt, long[] promptIds, Response response) {}

package dev.prefloop.engine.djl.sample;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * SamplePrompt is one prompt record ready to sample from.
 *
 * @param id the record's id: its {@code id} field, else a hash of its prompt ids
 * @param ids the prompt's token ids after left truncation
 * @param record the input record, whose fields the output carries
 */
public record SamplePrompt(String id, long[] ids, ObjectNode record) {}

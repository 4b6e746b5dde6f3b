package dev.prefloop.engine.djl.train;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * TrainingRecordSource turns a data record into token ids for training. {@link IdsRecordSource} reads
 * ids the record already holds; a text implementation (tokenizer plus chat template) plugs in here.
 * Malformed records throw a DataException naming location and field.
 */
public interface TrainingRecordSource {

    /** A preference record ({@code prompt}, {@code chosen}, {@code rejected}) as ids, untruncated. */
    TokenizedPair pair(ObjectNode record, String location);

    /** An SFT record ({@code prompt}, {@code completion}) as ids, untruncated. */
    TokenizedCompletion completion(ObjectNode record, String location);
}

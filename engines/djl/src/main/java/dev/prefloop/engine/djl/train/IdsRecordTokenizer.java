package dev.prefloop.engine.djl.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.error.DataException;

/**
 * IdsRecordTokenizer reads pre-tokenised records: {@code prompt_ids} with {@code chosen_ids} and
 * {@code rejected_ids} (preference) or {@code completion_ids} (SFT), each a list of integers in
 * [0, vocab_size), plus the optional numbers {@code ref_chosen_logps} and {@code ref_rejected_logps}.
 */
public final class IdsRecordTokenizer implements RecordTokenizer {

    private final long vocabSize;

    /** Ids are checked against the model's vocabulary size. */
    public IdsRecordTokenizer(long vocabSize) {
        this.vocabSize = vocabSize;
    }

    @Override
    public TokenizedPair pair(ObjectNode record, String location) {
        return new TokenizedPair(ids(record, "prompt_ids", location), ids(record, "chosen_ids", location),
                ids(record, "rejected_ids", location), number(record, "ref_chosen_logps", location),
                number(record, "ref_rejected_logps", location));
    }

    @Override
    public TokenizedCompletion completion(ObjectNode record, String location) {
        long[] prompt = record.has("prompt_ids") ? ids(record, "prompt_ids", location) : new long[0];
        return new TokenizedCompletion(prompt, ids(record, "completion_ids", location));
    }

    private long[] ids(ObjectNode record, String field, String location) {
        JsonNode v = record.get(field);
        if (v == null || v.isNull()) {
            String hint = record.has(field.replace("_ids", "")) ? " (text fields need a tokenizer; give token ids)" : "";
            throw new DataException(location + ": field '" + field + "' is missing" + hint);
        }
        if (!v.isArray()) {
            throw new DataException(location + ": field '" + field + "': expected a list of token ids, got "
                    + v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
        }
        long[] ids = new long[v.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode x = v.get(i);
            if (!x.isIntegralNumber() || x.asLong() < 0 || x.asLong() >= vocabSize) {
                throw new DataException(location + ": field '" + field + "'[" + i + "]: expected a token id in [0, "
                        + vocabSize + "), got " + x);
            }
            ids[i] = x.asLong();
        }
        return ids;
    }

    private static double number(ObjectNode record, String field, String location) {
        JsonNode v = record.get(field);
        if (v == null || v.isNull()) {
            return Double.NaN;
        }
        if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
            throw new DataException(location + ": field '" + field + "': expected a finite number, got " + v);
        }
        return v.asDouble();
    }
}

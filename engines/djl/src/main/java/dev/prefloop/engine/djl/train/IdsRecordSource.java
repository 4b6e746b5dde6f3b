package dev.prefloop.engine.djl.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.error.DataException;

/**
 * IdsRecordSource reads pre-tokenised records: {@code prompt_ids} with {@code chosen_ids} and
 * {@code rejected_ids} (preference) or {@code completion_ids} (SFT), each a list of integers in
 * [0, vocab_size), plus the optional numbers {@code ref_chosen_logps} and {@code ref_rejected_logps}; or, for
 * SFT, a whole sequence {@code input_ids} with an optional {@code assistant_masks} (TRL's names for a
 * conversation's tokens and the ones its loss reads).
 */
public final class IdsRecordSource implements TrainingRecordSource {

    private final long vocabSize;

    /** Ids are checked against the model's vocabulary size. */
    public IdsRecordSource(long vocabSize) {
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
        if (!record.has("completion_ids") && record.has("input_ids")) {
            // a whole sequence (tokenize's form of a messages record): scored where assistant_masks says, else all
            long[] ids = ids(record, "input_ids", location);
            return new TokenizedCompletion(new long[0], ids, mask(record, "assistant_masks", ids.length, location));
        }
        long[] prompt = record.has("prompt_ids") ? ids(record, "prompt_ids", location) : new long[0];
        return new TokenizedCompletion(prompt, ids(record, "completion_ids", location));
    }

    private static int[] mask(ObjectNode record, String field, int length, String location) {
        JsonNode v = record.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isArray() || v.size() != length) {
            throw new DataException(location + ": field '" + field + "': expected a list of " + length
                    + " values 0 or 1 (one per input_ids token), got " + (v.isArray() ? v.size() + " values" : v));
        }
        int[] mask = new int[length];
        for (int i = 0; i < length; i++) {
            JsonNode x = v.get(i);
            if (!x.isIntegralNumber() || (x.asInt() != 0 && x.asInt() != 1)) {
                throw new DataException(location + ": field '" + field + "'[" + i + "]: expected 0 or 1, got " + x);
            }
            mask[i] = x.asInt();
        }
        return mask;
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

    static double number(ObjectNode record, String field, String location) {
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

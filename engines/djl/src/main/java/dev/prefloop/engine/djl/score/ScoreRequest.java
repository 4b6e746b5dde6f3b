package dev.prefloop.engine.djl.score;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.error.DataException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * ScoreRequest is what one record asks to score, read from its token-id fields: one completion
 * (prompt_ids + completion_ids), a preference pair (prompt_ids + chosen_ids, rejected_ids) or
 * candidates (prompt_ids + completions_ids). Every id is checked against the vocabulary here, so
 * a bad record fails before any model work with its location and field.
 *
 * <p>Without prompt_ids (a preference pair with an implicit prompt), the completion's first token
 * becomes the context: nothing precedes it to score it from, so it gets no log-probability.
 */
public record ScoreRequest(ScoredKind kind, List<ScoredSequence> sequences) {

    /** The record's layout by its fields, TRL's names. */
    public enum ScoredKind {
        /** prompt_ids + completion_ids. */
        COMPLETION,
        /** prompt_ids + chosen_ids + rejected_ids; sequences are chosen then rejected. */
        PREFERENCE,
        /** prompt_ids + completions_ids; one sequence per candidate. */
        CANDIDATES
    }

    /** Reads {@code r} (at {@code where}, e.g. "data.jsonl, line 3"); ids must be below {@code vocab}. */
    public static ScoreRequest of(ObjectNode r, String where, long vocab) {
        if (r.has("chosen_ids") || r.has("rejected_ids") || r.has("chosen") || r.has("rejected")) {
            long[] prompt = optionalIds(r, "prompt", where, vocab);
            long[] chosen = ids(r, "chosen", where, vocab);
            long[] rejected = ids(r, "rejected", where, vocab);
            return new ScoreRequest(ScoredKind.PREFERENCE, List.of(sequence(prompt, chosen, "chosen_ids", where),
                    sequence(prompt, rejected, "rejected_ids", where)));
        }
        if (r.has("completions_ids") || r.has("completions")) {
            long[] prompt = optionalIds(r, "prompt", where, vocab);
            JsonNode all = r.get("completions_ids");
            if (all == null || all.isNull()) {
                throw textNeedsTokenizer(where, "completions");
            }
            if (!all.isArray()) {
                throw new DataException(where + ", field completions_ids: expected a list of token id lists, got "
                        + kindOf(all));
            }
            JsonNode texts = r.get("completions");
            if (texts != null && texts.isArray() && texts.size() != all.size()) {
                throw new DataException(where + ", field completions_ids: " + all.size() + " lists for "
                        + texts.size() + " completions; the two must align");
            }
            List<ScoredSequence> seqs = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                String field = "completions_ids[" + i + "]";
                seqs.add(sequence(prompt, idList(all.get(i), field, where, vocab), field, where));
            }
            return new ScoreRequest(ScoredKind.CANDIDATES, seqs);
        }
        if (r.has("completion_ids") || r.has("completion") || r.has("messages")) {
            if (!r.has("completion_ids") && r.has("messages")) {
                throw new DataException(where + ": a \"messages\" conversation is text; scoring it needs a tokenizer"
                        + " and chat template, which score does not have yet: give prompt_ids and completion_ids");
            }
            long[] prompt = optionalIds(r, "prompt", where, vocab);
            return new ScoreRequest(ScoredKind.COMPLETION,
                    List.of(sequence(prompt, ids(r, "completion", where, vocab), "completion_ids", where)));
        }
        throw new DataException(where + ": nothing to score: expected prompt_ids with completion_ids, chosen_ids and"
                + " rejected_ids, or completions_ids (fields present: " + fieldNames(r) + ")");
    }

    private static ScoredSequence sequence(long[] prompt, long[] completion, String field, String where) {
        if (prompt.length > 0) {
            return new ScoredSequence(prompt, completion);
        }
        if (completion.length == 0) {
            throw new DataException(where + ", field " + field + ": empty, and there are no prompt_ids: nothing to score");
        }
        return new ScoredSequence(Arrays.copyOf(completion, 1), Arrays.copyOfRange(completion, 1, completion.length));
    }

    private static long[] optionalIds(ObjectNode r, String base, String where, long vocab) {
        JsonNode v = r.get(base + "_ids");
        if (v == null || v.isNull()) {
            if (r.hasNonNull(base)) {
                throw textNeedsTokenizer(where, base);
            }
            return new long[0];
        }
        return idList(v, base + "_ids", where, vocab);
    }

    private static long[] ids(ObjectNode r, String base, String where, long vocab) {
        JsonNode v = r.get(base + "_ids");
        if (v == null || v.isNull()) {
            throw r.hasNonNull(base) ? textNeedsTokenizer(where, base)
                    : new DataException(where + ": no " + base + "_ids (fields present: " + fieldNames(r) + ")");
        }
        return idList(v, base + "_ids", where, vocab);
    }

    private static long[] idList(JsonNode v, String field, String where, long vocab) {
        if (!v.isArray()) {
            throw new DataException(where + ", field " + field + ": expected a list of token ids, got " + kindOf(v));
        }
        long[] out = new long[v.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode x = v.get(i);
            if (!x.isIntegralNumber() || !x.canConvertToLong()) {
                throw new DataException(where + ", field " + field + "[" + i + "]: expected an integer token id, got "
                        + x);
            }
            long id = x.asLong();
            if (id < 0 || id >= vocab) {
                throw new DataException(where + ", field " + field + "[" + i + "]: token id " + id
                        + " is outside the model's vocabulary [0, " + vocab + ")");
            }
            out[i] = id;
        }
        return out;
    }

    private static DataException textNeedsTokenizer(String where, String field) {
        return new DataException(where + ": field \"" + field + "\" is text but there is no \"" + field
                + "_ids\"; score reads token ids only for now (text input needs a tokenizer, which comes with the"
                + " text verbs): tokenize the records first");
    }

    private static String kindOf(JsonNode v) {
        return v.isTextual() ? "a string" : v.isObject() ? "an object" : v.isArray() ? "a list" : v.toString();
    }

    private static String fieldNames(ObjectNode r) {
        List<String> names = new ArrayList<>();
        r.fieldNames().forEachRemaining(names::add);
        return names.isEmpty() ? "none" : String.join(", ", names);
    }
}

package dev.prefloop.engine.djl.score;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.error.DataException;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.engine.djl.text.TokenizedRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * ScoreRequest is what one record asks to score: one completion (prompt_ids + completion_ids), a
 * preference pair (prompt_ids + chosen_ids, rejected_ids) or candidates (prompt_ids +
 * completions_ids), read from the record's token-id fields or, for a text record, from its
 * {@link TokenizedRecord}. Every id is checked against the vocabulary here, so a bad record fails
 * before any model work with its location and field.
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

    /** Text fields score reads; each is used as text only when its {@code _ids} field is absent. */
    private static final List<String> TEXT_FIELDS = List.of("prompt", "completion", "chosen", "rejected", "completions");

    /**
     * Whether {@code r} has a text field score reads without its ids (prompt without prompt_ids,
     * chosen without chosen_ids, ...): such a record is tokenized first.
     */
    public static boolean needsTokenizer(ObjectNode r) {
        for (String f : TEXT_FIELDS) {
            if (r.hasNonNull(f) && !r.hasNonNull(f + "_ids")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The request of a tokenized record (at {@code where}); ids must be below {@code vocab}, the
     * model's vocabulary, else the tokenizer does not belong to the model.
     */
    public static ScoreRequest of(TokenizedRecord t, String where, long vocab) {
        long[] prompt = t.prompt() == null ? new long[0] : checked(t.prompt().ids(), "prompt", where, vocab);
        List<ScoredSequence> seqs = new ArrayList<>();
        ScoredKind kind = null;
        for (TokenizedRecord.Completion c : t.completions()) {
            ScoredKind k = switch (c.field()) {
                case "completion" -> ScoredKind.COMPLETION;
                case "chosen", "rejected" -> ScoredKind.PREFERENCE;
                case "completions" -> ScoredKind.CANDIDATES;
                default -> throw messagesRefused(where);
            };
            if (kind != null && kind != k) {
                throw new DataException(where + ": fields of two record kinds (" + kind.toString().toLowerCase()
                        + " and " + k.toString().toLowerCase() + "): score reads one per record");
            }
            kind = k;
            String field = c.index() < 0 ? c.field() : c.field() + "[" + c.index() + "]";
            seqs.add(sequence(prompt, checked(c.segment().ids(), field, where, vocab), field, where));
        }
        if (kind == null) {
            throw new DataException(where + ": nothing to score: expected completion, chosen and rejected, or"
                    + " completions");
        }
        // RecordTokenizer lists chosen before rejected, the order the columns expect
        if (kind == ScoredKind.PREFERENCE && (t.completion("chosen") == null || t.completion("rejected") == null)) {
            throw new DataException(where + ": a preference record needs both chosen and rejected");
        }
        return new ScoreRequest(kind, seqs);
    }

    private static long[] checked(long[] ids, String field, String where, long vocab) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] >= vocab) {
                throw new ModelException(where + ", field " + field + ": the tokenizer gave token id " + ids[i]
                        + ", outside the model's vocabulary [0, " + vocab + "): the model directory's tokenizer does not"
                        + " belong to its weights");
            }
        }
        return ids;
    }

    private static DataException messagesRefused(String where) {
        return new DataException(where + ": a \"messages\" conversation has no prompt/completion split to score;"
                + " give prompt and completion (or chosen/rejected) messages");
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
                throw messagesRefused(where);
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
        // needsTokenizer routes such records to the tokenizer; only a field of the wrong kind gets here
        return new DataException(where + ": field \"" + field + "\" is text but there is no \"" + field
                + "_ids\"");
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

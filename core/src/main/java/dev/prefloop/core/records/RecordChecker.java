package dev.prefloop.core.records;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * RecordChecker checks one record against a kind's field rules (types, required fields, empty
 * texts, consistent standard vs conversational shapes) and returns what it found. Extra fields are
 * never a problem: they are carried through.
 */
public final class RecordChecker {

    private static final Set<String> GENERATORS = Set.of("pi", "pi+", "pi-", "ref");

    private RecordChecker() {}

    /** The problems of record {@code r} read as {@code kind}; empty when it is fine. */
    public static List<Problem> check(JsonNode r, RecordKind kind) {
        List<Problem> out = new ArrayList<>();
        optionalId(r, out);
        switch (kind) {
            case PROMPT -> {
                requireOneOf(r, out, "prompt", "prompt_ids");
                textOrMessages(r, "prompt", true, out);
                ids(r, "prompt_ids", out);
            }
            case SFT -> checkSft(r, out);
            case CANDIDATES -> checkCandidates(r, out);
            case PREFERENCE -> checkPreference(r, out);
        }
        return out;
    }

    private static void checkSft(JsonNode r, List<Problem> out) {
        if (r.has("messages")) {
            textOrMessages(r, "messages", false, out);
            if (r.get("messages").isTextual()) {
                out.add(Problem.error("messages", "expected a message list [{role, content}], got a string"));
            }
            return;
        }
        requireOneOf(r, out, "completion", "completion_ids");
        textOrMessages(r, "prompt", true, out);
        textOrMessages(r, "completion", false, out);
        ids(r, "prompt_ids", out);
        ids(r, "completion_ids", out);
        sameShape(r, "prompt", "completion", out);
    }

    private static void checkCandidates(JsonNode r, List<Problem> out) {
        requireOneOf(r, out, "prompt", "prompt_ids");
        textOrMessages(r, "prompt", true, out);
        ids(r, "prompt_ids", out);
        requireOneOf(r, out, "completions", "completions_ids");
        int n = -1;
        JsonNode c = r.get("completions");
        if (c != null) {
            if (!c.isArray()) {
                out.add(Problem.error("completions", "expected a list of completions, got " + describe(c)));
            } else {
                n = c.size();
                if (n == 0) {
                    out.add(Problem.error("completions", "expected at least one completion, got an empty list"));
                }
                for (int i = 0; i < c.size(); i++) {
                    textOrMessagesValue(c.get(i), "completions[" + i + "]", false, out);
                }
            }
        }
        JsonNode ci = r.get("completions_ids");
        if (ci != null) {
            if (!ci.isArray()) {
                out.add(Problem.error("completions_ids", "expected a list of token id lists, got " + describe(ci)));
            } else {
                for (int i = 0; i < ci.size(); i++) {
                    idsValue(ci.get(i), "completions_ids[" + i + "]", out);
                }
                n = sameLength("completions_ids", ci.size(), n, out);
            }
        }
        JsonNode g = r.get("generators");
        if (g != null) {
            if (!g.isArray()) {
                out.add(Problem.error("generators", "expected a list of pi | pi+ | pi- | ref, got " + describe(g)));
            } else {
                for (JsonNode x : g) {
                    if (!x.isTextual() || !GENERATORS.contains(x.asText())) {
                        out.add(Problem.error("generators", "expected pi, pi+, pi- or ref, got " + x));
                        break;
                    }
                }
                sameLength("generators", g.size(), n, out);
            }
        }
        for (String f : List.of("logps", "ref_logps", "num_tokens")) {
            JsonNode v = r.get(f);
            if (v != null && !v.isNull()) {
                if (!v.isArray() || !allNumbers(v)) {
                    out.add(Problem.error(f, "expected a list of numbers, got " + describe(v)));
                } else {
                    sameLength(f, v.size(), n, out);
                }
            }
        }
        number(r, "iteration", out);
    }

    private static void checkPreference(JsonNode r, List<Problem> out) {
        requireOneOf(r, out, "chosen", "chosen_ids");
        requireOneOf(r, out, "rejected", "rejected_ids");
        textOrMessages(r, "prompt", true, out);
        textOrMessages(r, "chosen", false, out);
        textOrMessages(r, "rejected", false, out);
        for (String f : List.of("prompt_ids", "chosen_ids", "rejected_ids")) {
            ids(r, f, out);
        }
        sameShape(r, "chosen", "rejected", out);
        sameShape(r, "prompt", "chosen", out);
        for (String f : List.of("score_chosen", "score_rejected", "ref_chosen_logps", "ref_rejected_logps", "iteration")) {
            number(r, f, out);
        }
        JsonNode p = r.get("p_chosen");
        if (p != null && !p.isNull()) {
            if (!p.isNumber() || p.doubleValue() < 0 || p.doubleValue() > 1) {
                out.add(Problem.error("p_chosen", "expected a probability in [0, 1], got " + p));
            }
        }
        JsonNode c = r.get("chosen");
        JsonNode j = r.get("rejected");
        boolean sameText = c != null && c.equals(j);
        boolean sameIds = r.has("chosen_ids") && r.get("chosen_ids").equals(r.get("rejected_ids"));
        if (sameText || (c == null && sameIds)) {
            out.add(Problem.warning("chosen", "chosen equals rejected: the pair carries no preference"));
        }
    }

    private static void optionalId(JsonNode r, List<Problem> out) {
        JsonNode id = r.get("id");
        if (id != null && !id.isNull() && !id.isTextual() && !id.isIntegralNumber()) {
            out.add(Problem.error("id", "expected a string or an integer, got " + describe(id)));
        }
    }

    private static void requireOneOf(JsonNode r, List<Problem> out, String text, String ids) {
        if (!present(r, text) && !present(r, ids)) {
            out.add(Problem.error(text, "missing (expected \"" + text + "\" or \"" + ids + "\")"));
        }
    }

    private static boolean present(JsonNode r, String f) {
        return r.has(f) && !r.get(f).isNull();
    }

    private static void textOrMessages(JsonNode r, String f, boolean emptyOk, List<Problem> out) {
        JsonNode v = r.get(f);
        if (v != null && !v.isNull()) {
            textOrMessagesValue(v, f, emptyOk, out);
        }
    }

    private static void textOrMessagesValue(JsonNode v, String f, boolean emptyOk, List<Problem> out) {
        if (v.isTextual()) {
            if (!emptyOk && v.asText().isEmpty()) {
                out.add(Problem.error(f, "expected a non-empty string, got \"\""));
            }
        } else if (v.isArray()) {
            if (!emptyOk && v.isEmpty()) {
                out.add(Problem.error(f, "expected a non-empty message list, got []"));
            }
            for (int i = 0; i < v.size(); i++) {
                String m = message(v.get(i));
                if (m != null) {
                    out.add(Problem.error(f, "message " + i + ": " + m));
                    return;
                }
            }
        } else {
            out.add(Problem.error(f, "expected a string or a message list [{role, content}], got " + describe(v)));
        }
    }

    /** What is wrong with one {role, content} message, or null. */
    private static String message(JsonNode m) {
        if (!m.isObject()) {
            return "expected an object {role, content}, got " + describe(m);
        }
        JsonNode role = m.get("role");
        if (role == null || !role.isTextual()) {
            return "expected \"role\" to be a string, got " + (role == null ? "nothing" : describe(role));
        }
        JsonNode content = m.get("content");
        boolean toolCall = m.has("tool_calls");
        if (content == null || content.isNull()) {
            return toolCall ? null : "expected \"content\" (a string or a list of parts), got nothing";
        }
        if (!content.isTextual() && !content.isArray()) {
            return "expected \"content\" to be a string or a list of parts, got " + describe(content);
        }
        return null;
    }

    private static void ids(JsonNode r, String f, List<Problem> out) {
        JsonNode v = r.get(f);
        if (v != null && !v.isNull()) {
            idsValue(v, f, out);
        }
    }

    private static void idsValue(JsonNode v, String f, List<Problem> out) {
        if (!v.isArray()) {
            out.add(Problem.error(f, "expected a list of token ids, got " + describe(v)));
            return;
        }
        for (int i = 0; i < v.size(); i++) {
            JsonNode x = v.get(i);
            if (!x.isIntegralNumber() || !x.canConvertToInt() || x.intValue() < 0) {
                out.add(Problem.error(f, "element " + i + ": expected a non-negative integer token id, got " + x));
                return;
            }
        }
    }

    private static void number(JsonNode r, String f, List<Problem> out) {
        JsonNode v = r.get(f);
        if (v != null && !v.isNull() && !v.isNumber()) {
            out.add(Problem.error(f, "expected a number, got " + describe(v)));
        }
    }

    private static void sameShape(JsonNode r, String a, String b, List<Problem> out) {
        JsonNode x = r.get(a);
        JsonNode y = r.get(b);
        if (x == null || y == null || x.isNull() || y.isNull()) {
            return;
        }
        if ((x.isTextual() && y.isArray()) || (x.isArray() && y.isTextual())) {
            out.add(Problem.error(b, "\"" + a + "\" is " + describe(x) + " but \"" + b + "\" is " + describe(y)
                    + "; a record is either standard (strings) or conversational (message lists)"));
        }
    }

    private static int sameLength(String f, int size, int n, List<Problem> out) {
        if (n >= 0 && size != n) {
            out.add(Problem.error(f, "has " + size + " entries, but the record has " + n + " completions"));
        }
        return n >= 0 ? n : size;
    }

    private static boolean allNumbers(JsonNode v) {
        for (JsonNode x : v) {
            if (!x.isNumber() && !x.isNull()) {
                return false;
            }
        }
        return true;
    }

    /** "a string", "a number (3)", "a message list", ... for messages. */
    static String describe(JsonNode v) {
        if (v.isTextual()) {
            return "a string";
        } else if (v.isNumber()) {
            return "a number (" + v + ")";
        } else if (v.isBoolean()) {
            return "a boolean (" + v + ")";
        } else if (v.isArray()) {
            return v.size() > 0 && v.get(0).isObject() ? "a message list" : "a list";
        } else if (v.isObject()) {
            return "an object";
        } else if (v.isNull()) {
            return "null";
        }
        return v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    }
}

package dev.prefloop.core.label;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.error.DataException;
import dev.prefloop.core.judge.Response;
import dev.prefloop.core.records.Problem;
import dev.prefloop.core.records.RecordChecker;
import dev.prefloop.core.records.RecordKind;
import java.util.ArrayList;
import java.util.List;

/**
 * Candidates is one candidates record read for labelling: its id (the record's {@code id}, or
 * {@code record-N} by position in the slice), prompt, text completions with their token ids and
 * generators when present, and the record itself for the fields carried to the pairs.
 */
public record Candidates(String id, String location, JsonNode prompt, long[] promptIds, List<Response> responses,
        List<String> generators, ObjectNode record) {

    /** Reads and checks one record; problems are {@link DataException}s naming location and field. */
    public static Candidates parse(ObjectNode r, String location, long ordinal) {
        for (Problem p : RecordChecker.check(r, RecordKind.CANDIDATES)) {
            if (p.severity() == Problem.Severity.ERROR) {
                throw new DataException(location + ", " + p.describe() + " (label reads candidates records)");
            }
        }
        JsonNode c = r.get("completions");
        if (c == null) {
            throw new DataException(location + ", field \"completions\": label needs the completions' texts to judge;"
                    + " the record has only completions_ids");
        }
        if (c.size() < 2) {
            throw new DataException(location + ", field \"completions\": expected at least 2 completions to make a pair,"
                    + " got " + c.size());
        }
        JsonNode ci = r.get("completions_ids");
        List<Response> responses = new ArrayList<>(c.size());
        for (int i = 0; i < c.size(); i++) {
            if (!c.get(i).isTextual()) {
                throw new DataException(location + ", field \"completions[" + i + "]\": expected a string (label judges"
                        + " text completions), got " + c.get(i).getNodeType().name().toLowerCase());
            }
            responses.add(new Response(c.get(i).asText(), ci == null ? null : ids(ci.get(i))));
        }
        List<String> generators = null;
        JsonNode g = r.get("generators");
        if (g != null && !g.isNull()) {
            if (!g.isArray() || g.size() != c.size()) {
                throw new DataException(location + ", field \"generators\": expected one generator per completion ("
                        + c.size() + "), got " + (g.isArray() ? g.size() + " items" : g.getNodeType().name().toLowerCase()));
            }
            generators = new ArrayList<>();
            for (JsonNode x : g) {
                generators.add(x.asText());
            }
        }
        JsonNode id = r.get("id");
        String key = id == null || id.isNull() ? "record-" + ordinal : id.asText();
        JsonNode pi = r.get("prompt_ids");
        return new Candidates(key, location, r.get("prompt"), pi == null || pi.isNull() ? null : ids(pi), responses,
                generators, r);
    }

    private static long[] ids(JsonNode a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asLong();
        }
        return out;
    }
}

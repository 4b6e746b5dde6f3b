package dev.prefloop.core.judge.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.judge.JudgeException;
import dev.prefloop.core.judge.PairRequest;
import dev.prefloop.core.judge.ScoreRequest;

/** ExecRequests writes the exec protocol's request lines and reads the numbers out of its answers. */
final class ExecRequests {

    private ExecRequests() {}

    /** {id, prompt, response_a, response_b} plus prompt_ids / response_a_ids / response_b_ids when known. */
    static ObjectNode pair(PairRequest r) {
        ObjectNode o = JsonCodec.mapper().createObjectNode();
        o.put("id", r.id());
        o.set("prompt", r.prompt());
        o.put("response_a", r.a().text());
        o.put("response_b", r.b().text());
        ids(o, "prompt_ids", r.promptIds());
        ids(o, "response_a_ids", r.a().ids());
        ids(o, "response_b_ids", r.b().ids());
        return o;
    }

    /** {id, prompt, response} plus prompt_ids / response_ids when known. */
    static ObjectNode score(ScoreRequest r) {
        ObjectNode o = JsonCodec.mapper().createObjectNode();
        o.put("id", r.id());
        o.set("prompt", r.prompt());
        o.put("response", r.response().text());
        ids(o, "prompt_ids", r.promptIds());
        ids(o, "response_ids", r.response().ids());
        return o;
    }

    private static void ids(ObjectNode o, String field, long[] ids) {
        if (ids != null) {
            ArrayNode a = o.putArray(field);
            for (long id : ids) {
                a.add(id);
            }
        }
    }

    /** The answer's {@code field} as a finite number, in [0, 1] when {@code probability}. */
    static double number(JsonNode answer, String field, boolean probability, String command) {
        String id = answer.get("id").asText();
        JsonNode v = answer.get(field);
        if (v == null || !v.isNumber() || !Double.isFinite(v.asDouble())) {
            throw new JudgeException("exec judge '" + command + "': answer for request '" + id + "': expected field \""
                    + field + "\" with a finite number, got " + (v == null ? "no such field" : v.toString()) + " in " + answer);
        }
        double d = v.asDouble();
        if (probability && (d < 0 || d > 1)) {
            throw new JudgeException("exec judge '" + command + "': answer for request '" + id + "': \"" + field
                    + "\" must be a probability in [0, 1], got " + d);
        }
        return d;
    }
}

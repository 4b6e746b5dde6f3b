package dev.prefloop.engine.djl.score;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * ScoreColumns names the fields score adds and writes them into a record. Causal LMs: TRL's
 * {@code chosen_logps}/{@code rejected_logps} (with --as-ref {@code ref_chosen_logps}/
 * {@code ref_rejected_logps}, what TRL's DPOTrainer reads as precomputed reference values),
 * {@code completion_logps} ({@code ref_completion_logps}), and on candidates {@code logps}
 * ({@code ref_logps}) aligned with completions_ids; --per-token adds the same stem with
 * {@code _token_logps} ({@code chosen_token_logps}, {@code token_logps}, ...). Reward models:
 * {@code score_chosen}/{@code score_rejected} (DESIGN.md's preference fields), {@code score},
 * and {@code scores} on candidates; a score is a number for one label, else a list.
 */
public record ScoreColumns(boolean reward, boolean asRef, boolean perToken) {

    /** The fields written for records of {@code kind}, in order. */
    public List<String> fields(ScoreRequest.ScoredKind kind) {
        String ref = asRef ? "ref_" : "";
        return switch (kind) {
            case COMPLETION -> reward ? List.of("score")
                    : perToken ? List.of(ref + "completion_logps", ref + "completion_token_logps")
                    : List.of(ref + "completion_logps");
            case PREFERENCE -> reward ? List.of("score_chosen", "score_rejected")
                    : perToken ? List.of(ref + "chosen_logps", ref + "rejected_logps", ref + "chosen_token_logps",
                            ref + "rejected_token_logps")
                    : List.of(ref + "chosen_logps", ref + "rejected_logps");
            case CANDIDATES -> reward ? List.of("scores")
                    : perToken ? List.of(ref + "logps", ref + "token_logps") : List.of(ref + "logps");
        };
    }

    /** Sets the fields of a scored request on its record (replacing values a field already had). */
    public void write(ObjectNode r, ScoreRequest req) {
        List<String> f = fields(req.kind());
        List<ScoredSequence> s = req.sequences();
        switch (req.kind()) {
            case COMPLETION -> {
                if (reward) {
                    putScore(r, f.get(0), s.get(0));
                } else {
                    r.put(f.get(0), (double) s.get(0).logpSum);
                    if (perToken) {
                        r.set(f.get(1), floats(r, s.get(0).tokenLogps));
                    }
                }
            }
            case PREFERENCE -> {
                if (reward) {
                    putScore(r, f.get(0), s.get(0));
                    putScore(r, f.get(1), s.get(1));
                } else {
                    r.put(f.get(0), (double) s.get(0).logpSum);
                    r.put(f.get(1), (double) s.get(1).logpSum);
                    if (perToken) {
                        r.set(f.get(2), floats(r, s.get(0).tokenLogps));
                        r.set(f.get(3), floats(r, s.get(1).tokenLogps));
                    }
                }
            }
            case CANDIDATES -> {
                ArrayNode values = r.arrayNode();
                ArrayNode tokens = r.arrayNode();
                for (ScoredSequence q : s) {
                    if (reward) {
                        values.add(scoreValue(r, q));
                    } else {
                        values.add((double) q.logpSum);
                        if (perToken) {
                            tokens.add(floats(r, q.tokenLogps));
                        }
                    }
                }
                r.set(f.get(0), values);
                if (!reward && perToken) {
                    r.set(f.get(1), tokens);
                }
            }
            default -> throw new IllegalStateException(req.kind().toString());
        }
    }

    private static void putScore(ObjectNode r, String field, ScoredSequence q) {
        r.set(field, scoreValue(r, q));
    }

    private static JsonNode scoreValue(ObjectNode r, ScoredSequence q) {
        return q.scores.length == 1 ? r.numberNode((double) q.scores[0]) : floats(r, q.scores);
    }

    private static ArrayNode floats(ObjectNode r, float[] values) {
        ArrayNode a = r.arrayNode(values.length);
        for (float v : values) {
            a.add((double) v);
        }
        return a;
    }
}

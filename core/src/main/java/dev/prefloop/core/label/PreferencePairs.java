package dev.prefloop.core.label;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;

/**
 * PreferencePairs writes a preference record from a candidates record and a decided comparison:
 * the candidates' own fields are carried (id, prompt, prompt_ids, scheme, iteration and any extra
 * ones) except the per-completion lists, which become per-side fields.
 */
final class PreferencePairs {

    /** Fields holding one value per completion: they become chosen/rejected fields instead. */
    private static final Set<String> PER_COMPLETION = Set.of("completions", "completions_ids", "generators", "logps",
            "ref_logps", "num_tokens");

    private PreferencePairs() {}

    static ObjectNode build(Candidates c, Comparison cmp, boolean chosenIsI, String judge, String orders, LabelMode mode,
            boolean onePairPerRecord) {
        int ch = chosenIsI ? cmp.i() : cmp.j();
        int rj = chosenIsI ? cmp.j() : cmp.i();
        ObjectNode r = c.record();
        ObjectNode o = r.objectNode();
        if (!onePairPerRecord || r.has("id")) {
            o.put("id", onePairPerRecord ? c.id() : c.id() + "/" + cmp.i() + "-" + cmp.j());
        }
        r.fields().forEachRemaining(e -> {
            if (!PER_COMPLETION.contains(e.getKey()) && !e.getKey().equals("id")) {
                o.set(e.getKey(), e.getValue());
            }
        });
        o.put("chosen", c.responses().get(ch).text());
        o.put("rejected", c.responses().get(rj).text());
        copyItem(r, "completions_ids", ch, o, "chosen_ids");
        copyItem(r, "completions_ids", rj, o, "rejected_ids");
        copyItem(r, "logps", ch, o, "chosen_logps");
        copyItem(r, "logps", rj, o, "rejected_logps");
        copyItem(r, "ref_logps", ch, o, "ref_chosen_logps");
        copyItem(r, "ref_logps", rj, o, "ref_rejected_logps");
        if (!Double.isNaN(cmp.scoreI())) {
            o.put("score_chosen", chosenIsI ? cmp.scoreI() : cmp.scoreJ());
            o.put("score_rejected", chosenIsI ? cmp.scoreJ() : cmp.scoreI());
        }
        o.put("p_chosen", chosenIsI ? cmp.p() : 1 - cmp.p());
        if (cmp.orders() != null) {
            ArrayNode a = o.putArray("p_chosen_orders");
            for (double p : cmp.orders()) {
                a.add(chosenIsI ? p : 1 - p);
            }
        }
        o.put("judge", judge);
        o.put("judge_orders", orders);
        o.put("label_mode", mode.label());
        o.put("chosen_index", ch);
        o.put("rejected_index", rj);
        if (c.generators() != null) {
            o.put("generator_chosen", c.generators().get(ch));
            o.put("generator_rejected", c.generators().get(rj));
        }
        if (!o.has("source") && r.hasNonNull("scheme")) {
            o.set("source", r.get("scheme"));
        }
        return o;
    }

    private static void copyItem(ObjectNode r, String list, int index, ObjectNode o, String field) {
        JsonNode l = r.get(list);
        if (l != null && l.isArray() && index < l.size()) {
            o.set(field, l.get(index));
        }
    }
}

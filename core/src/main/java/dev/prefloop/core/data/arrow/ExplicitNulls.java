package dev.prefloop.core.data.arrow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * ExplicitNulls keeps {@code "field": null} apart from an absent field across Arrow, where both are
 * a null cell: the JSON pointers of explicit nulls in object fields ride in a hidden list column
 * ({@value #COLUMN}), present only in files that need it.
 */
final class ExplicitNulls {

    /** The hidden column; readers drop it after restoring the nulls it names. */
    static final String COLUMN = "_prefloop_nulls";

    private ExplicitNulls() {}

    /** The JSON pointers (RFC 6901) of every object field whose value is JSON null. */
    static List<String> find(ObjectNode record) {
        List<String> out = new ArrayList<>();
        walk(record, "", out);
        return out;
    }

    private static void walk(JsonNode node, String path, List<String> out) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String p = path + "/" + ArrowToJson.pointerToken(e.getKey());
                if (e.getValue().isNull()) {
                    out.add(p);
                } else {
                    walk(e.getValue(), p, out);
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                walk(node.get(i), path + "/" + i, out);
            }
        }
    }

}

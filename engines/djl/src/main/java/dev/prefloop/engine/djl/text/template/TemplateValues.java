package dev.prefloop.engine.djl.text.template;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Converts JSON trees and plain Java values into the values templates see (Long, Double, List, Map). */
public final class TemplateValues {

    private TemplateValues() {}

    /** A JSON value as Python's json.loads gives it: objects keep key order, integers stay integers. */
    public static Object fromJson(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToLong() ? (Object) node.longValue() : node.bigIntegerValue();
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (node.isArray()) {
            List<Object> out = new ArrayList<>();
            node.forEach(item -> out.add(fromJson(item)));
            return out;
        }
        Map<Object, Object> out = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            out.put(f.getKey(), fromJson(f.getValue()));
        }
        return out;
    }

    /** Deep copy with Integer/Short as Long and Float as Double, so templates see Python's int and float. */
    static Object normalize(Object v) {
        if (v instanceof JsonNode n) {
            return fromJson(n);
        }
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof Float f) {
            return (double) f;
        }
        if (v instanceof PyTuple || v instanceof PyRange) {
            return v;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            l.forEach(item -> out.add(normalize(item)));
            return out;
        }
        if (v instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            m.forEach((k, val) -> out.put(normalize(k), normalize(val)));
            return out;
        }
        return v;
    }
}

package dev.prefloop.core.data.arrow;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;

/**
 * JsonShape is the Arrow column type inferred from JSON values: the least general shape that
 * holds every value seen. Values whose shapes conflict (a string here, a number there) fall back
 * to {@link JsonText}: the value's JSON text in a utf8 column marked so readers parse it back.
 */
public sealed interface JsonShape {

    /** Field metadata key marking a utf8 column whose values are JSON texts. */
    String ENCODING_KEY = "prefloop.encoding";

    /** Only nulls or absent values were seen. */
    record Nothing() implements JsonShape {}

    /** true / false. */
    record Bool() implements JsonShape {}

    /** Integers that fit in 64 bits. */
    record Int() implements JsonShape {}

    /** Numbers with a fraction or exponent (and integers mixed with them), as float64. */
    record Float() implements JsonShape {}

    /** Strings. */
    record Text() implements JsonShape {}

    /** Values of conflicting shapes, kept exactly as JSON text. */
    record JsonText() implements JsonShape {}

    /** Arrays, with the shape of their elements. */
    record ListOf(JsonShape element) implements JsonShape {}

    /** Objects, with the shape of each key in first-seen order. */
    record StructOf(Map<String, JsonShape> fields) implements JsonShape {
        public StructOf {
            fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        }
    }

    JsonShape NOTHING = new Nothing();
    JsonShape BOOL = new Bool();
    JsonShape INT = new Int();
    JsonShape FLOAT = new Float();
    JsonShape TEXT = new Text();
    JsonShape JSON_TEXT = new JsonText();

    /** The shape of one JSON value (null and missing give {@link Nothing}). */
    static JsonShape of(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return NOTHING;
        }
        if (v.isBoolean()) {
            return BOOL;
        }
        if (v.isIntegralNumber()) {
            return v.canConvertToLong() ? INT : JSON_TEXT;
        }
        if (v.isNumber()) {
            return FLOAT;
        }
        if (v.isTextual()) {
            return TEXT;
        }
        if (v.isArray()) {
            JsonShape e = NOTHING;
            for (JsonNode x : v) {
                e = unify(e, of(x));
            }
            return new ListOf(e);
        }
        if (v.isObject()) {
            Map<String, JsonShape> fields = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                fields.put(e.getKey(), of(e.getValue()));
            }
            return new StructOf(fields);
        }
        return JSON_TEXT; // binary and POJO nodes do not come from JSON text
    }

    /** The least general shape holding values of both shapes. */
    static JsonShape unify(JsonShape a, JsonShape b) {
        if (a.equals(b) || b instanceof Nothing) {
            return a;
        }
        if (a instanceof Nothing) {
            return b;
        }
        if ((a instanceof Int && b instanceof Float) || (a instanceof Float && b instanceof Int)) {
            return FLOAT;
        }
        if (a instanceof ListOf la && b instanceof ListOf lb) {
            return new ListOf(unify(la.element(), lb.element()));
        }
        if (a instanceof StructOf sa && b instanceof StructOf sb) {
            Map<String, JsonShape> fields = new LinkedHashMap<>(sa.fields());
            sb.fields().forEach((k, s) -> fields.merge(k, s, JsonShape::unify));
            return new StructOf(fields);
        }
        return JSON_TEXT;
    }

    /** The Arrow field of a column of this shape; every field is nullable (null = absent). */
    static Field toField(String name, JsonShape shape) {
        Objects.requireNonNull(name);
        if (shape instanceof Nothing) {
            return new Field(name, FieldType.nullable(ArrowType.Null.INSTANCE), null);
        } else if (shape instanceof Bool) {
            return new Field(name, FieldType.nullable(ArrowType.Bool.INSTANCE), null);
        } else if (shape instanceof Int) {
            return new Field(name, FieldType.nullable(new ArrowType.Int(64, true)), null);
        } else if (shape instanceof Float) {
            return new Field(name, FieldType.nullable(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)), null);
        } else if (shape instanceof Text) {
            return new Field(name, FieldType.nullable(ArrowType.Utf8.INSTANCE), null);
        } else if (shape instanceof JsonText) {
            return new Field(name, new FieldType(true, ArrowType.Utf8.INSTANCE, null, Map.of(ENCODING_KEY, "json")), null);
        } else if (shape instanceof ListOf l) {
            // "element" is the child name pyarrow and parquet's 3-level lists use.
            return new Field(name, FieldType.nullable(ArrowType.List.INSTANCE), List.of(toField("element", l.element())));
        } else {
            StructOf s = (StructOf) shape;
            List<Field> children = s.fields().entrySet().stream().map(e -> toField(e.getKey(), e.getValue())).toList();
            return new Field(name, FieldType.nullable(ArrowType.Struct.INSTANCE), children);
        }
    }
}

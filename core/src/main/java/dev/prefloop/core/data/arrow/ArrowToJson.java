package dev.prefloop.core.data.arrow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.error.DataException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DateMilliVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.Decimal256Vector;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.Float2Vector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.LargeVarBinaryVector;
import org.apache.arrow.vector.LargeVarCharVector;
import org.apache.arrow.vector.NullVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.UInt8Vector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.ViewVarCharVector;
import org.apache.arrow.vector.complex.BaseListVector;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;

/**
 * ArrowToJson turns one cell of an Arrow vector into a JSON value: a null struct field is absent,
 * a null list element is JSON null, utf8 columns marked as JSON text are parsed back.
 */
final class ArrowToJson {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private final ObjectMapper json;
    private final DictionaryProvider dictionaries;
    private final String file;

    ArrowToJson(ObjectMapper json, DictionaryProvider dictionaries, String file) {
        this.json = json;
        this.dictionaries = dictionaries;
        this.file = file;
    }

    /**
     * The value at row i, or null when the cell is null (the caller decides absent vs JSON null).
     * {@code nulls} holds the JSON pointers of explicit nulls in this record (see ExplicitNulls);
     * {@code path} is this cell's pointer, tracked only when nulls is not empty.
     */
    JsonNode value(ValueVector v, int i, String column, String path, java.util.Set<String> nulls) {
        if (v.isNull(i)) {
            return null;
        }
        Field field = v.getField();
        DictionaryEncoding enc = field.getDictionary();
        if (enc != null) {
            Dictionary d = dictionaries == null ? null : dictionaries.lookup(enc.getId());
            if (d == null) {
                throw new DataException(file + ": column \"" + column + "\" uses dictionary " + enc.getId()
                        + ", which the file does not contain");
            }
            int index = (int) ((BaseIntVector) v).getValueAsLong(i);
            return value(d.getVector(), index, column, path, nulls);
        }
        if (v instanceof NullVector) {
            return null;
        } else if (v instanceof BitVector b) {
            return NODES.booleanNode(b.get(i) != 0);
        } else if (v instanceof UInt8Vector u) {
            long x = u.get(i);
            return x >= 0 ? longNode(x) : NODES.numberNode(UInt8Vector.getNoOverflow(u.getDataBuffer(), i));
        } else if (v instanceof BaseIntVector n) {
            return longNode(n.getValueAsLong(i));
        } else if (v instanceof Float2Vector f) {
            return NODES.numberNode(f.getValueAsFloat(i));
        } else if (v instanceof Float4Vector f) {
            return NODES.numberNode(f.get(i));
        } else if (v instanceof Float8Vector f) {
            return NODES.numberNode(f.get(i));
        } else if (v instanceof VarCharVector s) {
            return text(field, s.get(i), column, i);
        } else if (v instanceof LargeVarCharVector s) {
            return text(field, s.get(i), column, i);
        } else if (v instanceof ViewVarCharVector s) {
            return text(field, s.get(i), column, i);
        } else if (v instanceof VarBinaryVector b) {
            return NODES.binaryNode(b.get(i));
        } else if (v instanceof LargeVarBinaryVector b) {
            return NODES.binaryNode(b.get(i));
        } else if (v instanceof FixedSizeBinaryVector b) {
            return NODES.binaryNode(b.get(i));
        } else if (v instanceof DecimalVector d) {
            return NODES.numberNode((BigDecimal) d.getObject(i));
        } else if (v instanceof Decimal256Vector d) {
            return NODES.numberNode((BigDecimal) d.getObject(i));
        } else if (v instanceof DateDayVector || v instanceof DateMilliVector || v instanceof TimeStampVector) {
            return NODES.textNode(String.valueOf(v.getObject(i)));
        } else if (v instanceof MapVector m) {
            return map(m, i, column);
        } else if (v instanceof BaseListVector l) {
            ValueVector child = ((org.apache.arrow.vector.FieldVector) l).getChildrenFromFields().get(0);
            ArrayNode out = NODES.arrayNode();
            int start = l.getElementStartIndex(i);
            for (int j = start; j < l.getElementEndIndex(i); j++) {
                JsonNode x = value(child, j, column, nulls.isEmpty() ? null : path + "/" + (j - start), nulls);
                out.add(x == null ? NODES.nullNode() : x);
            }
            return out;
        } else if (v instanceof StructVector s) {
            ObjectNode out = NODES.objectNode();
            for (org.apache.arrow.vector.FieldVector child : s.getChildrenFromFields()) {
                String childPath = nulls.isEmpty() ? null : path + "/" + pointerToken(child.getName());
                JsonNode x = value(child, i, column + "." + child.getName(), childPath, nulls);
                if (x != null) {
                    out.set(child.getName(), x);
                } else if (childPath != null && nulls.contains(childPath)) {
                    out.putNull(child.getName());
                }
            }
            return out;
        }
        throw new DataException(file + ": column \"" + column + "\" has Arrow type " + field.getType()
                + ", which prefloop does not read (expected strings, numbers, booleans, lists or structs)");
    }

    private JsonNode map(MapVector m, int i, String column) {
        StructVector entries = (StructVector) m.getDataVector();
        ValueVector keys = entries.getChildrenFromFields().get(0);
        ValueVector values = entries.getChildrenFromFields().get(1);
        ObjectNode out = NODES.objectNode();
        for (int j = m.getElementStartIndex(i); j < m.getElementEndIndex(i); j++) {
            JsonNode k = value(keys, j, column, null, java.util.Set.of());
            JsonNode x = value(values, j, column, null, java.util.Set.of());
            out.set(k == null ? "null" : k.asText(), x == null ? NODES.nullNode() : x);
        }
        return out;
    }

    private JsonNode text(Field field, byte[] utf8, String column, int row) {
        String s = new String(utf8, StandardCharsets.UTF_8);
        if ("json".equals(field.getMetadata().get(JsonShape.ENCODING_KEY))) {
            try {
                return json.readTree(s);
            } catch (JsonProcessingException e) {
                throw new DataException(file + ", record " + (row + 1) + ", field \"" + column
                        + "\": expected JSON text (the column is marked prefloop.encoding=json): "
                        + e.getOriginalMessage());
            }
        }
        return NODES.textNode(s);
    }

    /** A key as one JSON pointer token (RFC 6901). */
    static String pointerToken(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }

    private static JsonNode longNode(long x) {
        // Jackson parses small integers as IntNode; matching it keeps records equal after a round trip.
        return x == (int) x ? NODES.numberNode((int) x) : NODES.numberNode(x);
    }
}

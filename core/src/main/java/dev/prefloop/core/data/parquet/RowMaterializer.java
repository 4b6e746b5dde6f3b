package dev.prefloop.core.data.parquet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.parquet.JsonConverters.Sink;
import dev.prefloop.core.error.DataException;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.ListLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.MapKeyValueTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.MapLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.StringLogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Turns a Parquet schema into a tree of {@link JsonConverters} once per file, refusing up front (with
 * the column's name) any type that has no JSON form, and yields one ObjectNode per row.
 */
final class RowMaterializer extends RecordMaterializer<ObjectNode> {

    private final String file;
    private final GroupConverter root;
    private ObjectNode current;

    RowMaterializer(MessageType schema, String file) {
        this.file = file;
        this.root = struct(schema, "", value -> current = (ObjectNode) value);
    }

    @Override
    public ObjectNode getCurrentRecord() {
        return current;
    }

    @Override
    public GroupConverter getRootConverter() {
        return root;
    }

    private Converter value(Type type, String path, Sink sink) {
        if (type.isPrimitive()) {
            PrimitiveType primitive = type.asPrimitiveType();
            ValueDecoders.Decoder decoder = ValueDecoders.forType(primitive);
            if (decoder == null) {
                throw unsupported(path, "Parquet type " + describe(primitive) + " has no JSON form in prefloop");
            }
            return new JsonConverters.Value(decoder, sink);
        }
        GroupType group = type.asGroupType();
        LogicalTypeAnnotation logical = group.getLogicalTypeAnnotation();
        if (logical instanceof ListLogicalTypeAnnotation) {
            return list(group, path, sink);
        }
        if (logical instanceof MapLogicalTypeAnnotation || logical instanceof MapKeyValueTypeAnnotation) {
            return map(group, path, sink);
        }
        if (logical != null) {
            throw unsupported(path, "Parquet group type " + shorten(logical.toString()) + " has no JSON form in prefloop");
        }
        return struct(group, path, sink);
    }

    private JsonConverters.Struct struct(GroupType group, String path, Sink sink) {
        int n = group.getFieldCount();
        String[] names = new String[n];
        boolean[] repeated = new boolean[n];
        for (int i = 0; i < n; i++) {
            names[i] = group.getType(i).getName();
            repeated[i] = group.getType(i).isRepetition(Type.Repetition.REPEATED);
        }
        JsonConverters.Struct struct = new JsonConverters.Struct(names, repeated, sink);
        for (int i = 0; i < n; i++) {
            String child = path.isEmpty() ? names[i] : path + "." + names[i];
            // A repeated field outside a LIST group is a list of required elements (as Arrow reads it).
            struct.setChild(i, repeated[i]
                    ? value(group.getType(i), child + "[]", struct.appender(i))
                    : value(group.getType(i), child, struct.setter(i)));
        }
        return struct;
    }

    /**
     * A LIST group holds one repeated field. Whether that field is the element (2-level legacy
     * layouts) or wraps it (the standard 3-level list/element that pyarrow writes) follows the
     * backward-compatibility rules of the Parquet spec (LogicalTypes.md), as Arrow applies them.
     */
    private Converter list(GroupType group, String path, Sink sink) {
        if (group.getFieldCount() != 1 || !group.getType(0).isRepetition(Type.Repetition.REPEATED)) {
            throw unsupported(path, "malformed LIST group (expected one repeated field): " + group);
        }
        Type repeatedField = group.getType(0);
        JsonConverters.List list = new JsonConverters.List(sink);
        if (isElement(repeatedField, group.getName())) {
            list.setChild(value(repeatedField, path + "[]", list::add));
        } else {
            JsonConverters.Entry element = new JsonConverters.Entry(1, JsonConverters::element, list::add);
            element.setChild(0, value(repeatedField.asGroupType().getType(0), path + "[]", element.setter(0)));
            list.setChild(element);
        }
        return list;
    }

    private static boolean isElement(Type repeatedField, String listName) {
        if (repeatedField.isPrimitive()) {
            return true;
        }
        GroupType group = repeatedField.asGroupType();
        return group.getFieldCount() != 1
                || group.getType(0).isRepetition(Type.Repetition.REPEATED)
                || group.getName().equals("array")
                || group.getName().equals(listName + "_tuple");
    }

    /** MAP → object; only string keys can be JSON keys, so other key types are refused up front. */
    private Converter map(GroupType group, String path, Sink sink) {
        Type keyValue = group.getFieldCount() == 1 ? group.getType(0) : null;
        if (keyValue == null || keyValue.isPrimitive() || !keyValue.isRepetition(Type.Repetition.REPEATED)
                || keyValue.asGroupType().getFieldCount() < 1 || keyValue.asGroupType().getFieldCount() > 2) {
            throw unsupported(path, "malformed MAP group (expected one repeated key_value group): " + group);
        }
        GroupType entries = keyValue.asGroupType();
        Type key = entries.getType(0);
        if (!key.isPrimitive() || !(key.getLogicalTypeAnnotation() instanceof StringLogicalTypeAnnotation)) {
            throw unsupported(path, "map keys of type " + (key.isPrimitive() ? describe(key.asPrimitiveType()) : "group")
                    + " cannot be JSON object keys (only string keys can)");
        }
        JsonConverters.Map map = new JsonConverters.Map(sink);
        JsonConverters.Entry entry = new JsonConverters.Entry(entries.getFieldCount(), JsonConverters::mapEntry, map.entrySink());
        entry.setChild(0, value(key, path + ".key", entry.setter(0)));
        if (entries.getFieldCount() == 2) {
            entry.setChild(1, value(entries.getType(1), path + ".value", entry.setter(1)));
        }
        map.setChild(entry);
        return map;
    }

    private static String describe(PrimitiveType type) {
        LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
        return type.getPrimitiveTypeName() + (logical == null ? "" : " (" + shorten(logical.toString()) + ")");
    }

    /** Some annotations print long parameters (a geometry's whole CRS); the type's name is what helps. */
    private static String shorten(String text) {
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }

    private DataException unsupported(String path, String what) {
        return new DataException(file + ", column \"" + path + "\": " + what);
    }
}

package dev.prefloop.core.data.parquet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.function.Function;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;

/**
 * Parquet record-assembly callbacks that build Jackson trees directly. Each converter hands its
 * finished value to a {@link Sink}; a value that never arrives (a null) is simply never handed on,
 * which is how null struct fields become absent while null list elements become JSON null.
 */
final class JsonConverters {

    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonConverters() {}

    /** Receives a finished value from a child converter. */
    interface Sink {
        void accept(JsonNode value);
    }

    /** A leaf column: decodes each physical value to JSON with the decoder chosen for its type. */
    static final class Value extends PrimitiveConverter {
        private final Sink sink;
        private final ValueDecoders.Decoder decoder;

        Value(ValueDecoders.Decoder decoder, Sink sink) {
            this.decoder = decoder;
            this.sink = sink;
        }

        @Override
        public void addBinary(Binary value) {
            sink.accept(decoder.binary.apply(value));
        }

        @Override
        public void addInt(int value) {
            sink.accept(decoder.int32.apply(value));
        }

        @Override
        public void addLong(long value) {
            sink.accept(decoder.int64.apply(value));
        }

        @Override
        public void addBoolean(boolean value) {
            sink.accept(NODES.booleanNode(value));
        }

        @Override
        public void addFloat(float value) {
            sink.accept(NODES.numberNode(value));
        }

        @Override
        public void addDouble(double value) {
            sink.accept(NODES.numberNode(value));
        }
    }

    /**
     * A group without annotation (the root message or a nested struct) → object. Values are kept in
     * slots and put into the object at the end so that keys follow the schema order whatever order
     * values arrive in; bare repeated fields (no LIST annotation) collect into arrays.
     */
    static final class Struct extends GroupConverter {
        private final String[] names;
        private final boolean[] repeated;
        private final JsonNode[] slots;
        private final Converter[] children;
        private final Sink sink;

        Struct(String[] names, boolean[] repeated, Sink sink) {
            this.names = names;
            this.repeated = repeated;
            this.slots = new JsonNode[names.length];
            this.children = new Converter[names.length];
            this.sink = sink;
        }

        void setChild(int index, Converter child) {
            children[index] = child;
        }

        Sink setter(int index) {
            return value -> slots[index] = value;
        }

        Sink appender(int index) {
            return value -> ((ArrayNode) slots[index]).add(value);
        }

        @Override
        public Converter getConverter(int fieldIndex) {
            return children[fieldIndex];
        }

        @Override
        public void start() {
            Arrays.fill(slots, null);
            for (int i = 0; i < repeated.length; i++) {
                if (repeated[i]) {
                    slots[i] = NODES.arrayNode();
                }
            }
        }

        @Override
        public void end() {
            ObjectNode object = NODES.objectNode();
            for (int i = 0; i < slots.length; i++) {
                if (slots[i] != null) {
                    object.set(names[i], slots[i]);
                }
            }
            sink.accept(object);
        }
    }

    /** A LIST-annotated group → array; its one child is the repeated group or the element itself. */
    static final class List extends GroupConverter {
        private final Sink sink;
        private Converter child;
        private ArrayNode array;

        List(Sink sink) {
            this.sink = sink;
        }

        void setChild(Converter child) {
            this.child = child;
        }

        void add(JsonNode element) {
            array.add(element);
        }

        @Override
        public Converter getConverter(int fieldIndex) {
            return child;
        }

        @Override
        public void start() {
            array = NODES.arrayNode();
        }

        @Override
        public void end() {
            sink.accept(array);
        }
    }

    /**
     * The repeated middle group of a 3-level list or of a map (one per element or entry). It collects
     * its children's values and emits them at the end, so an element that never arrived is a null.
     */
    static final class Entry extends GroupConverter {
        private final JsonNode[] values;
        private final Converter[] children;
        private final Function<JsonNode[], JsonNode> combine;
        private final Sink sink;

        Entry(int fields, Function<JsonNode[], JsonNode> combine, Sink sink) {
            this.values = new JsonNode[fields];
            this.children = new Converter[fields];
            this.combine = combine;
            this.sink = sink;
        }

        void setChild(int index, Converter child) {
            children[index] = child;
        }

        Sink setter(int index) {
            return value -> values[index] = value;
        }

        @Override
        public Converter getConverter(int fieldIndex) {
            return children[fieldIndex];
        }

        @Override
        public void start() {
            Arrays.fill(values, null);
        }

        @Override
        public void end() {
            sink.accept(combine.apply(values));
        }
    }

    /** A MAP-annotated group → object keyed by the (string) map keys; a null value stays JSON null. */
    static final class Map extends GroupConverter {
        private final Sink sink;
        private Converter child;
        private ObjectNode object;

        Map(Sink sink) {
            this.sink = sink;
        }

        void setChild(Converter child) {
            this.child = child;
        }

        Sink entrySink() {
            return entry -> object.setAll((ObjectNode) entry);
        }

        @Override
        public Converter getConverter(int fieldIndex) {
            return child;
        }

        @Override
        public void start() {
            object = NODES.objectNode();
        }

        @Override
        public void end() {
            sink.accept(object);
        }
    }

    /** Element of a 3-level list: the value, or JSON null when the element was null. */
    static JsonNode element(JsonNode[] values) {
        return values[0] == null ? NullNode.getInstance() : values[0];
    }

    /** A map entry as a one-key object (merged into the map); a null value stays JSON null. */
    static JsonNode mapEntry(JsonNode[] values) {
        ObjectNode entry = NODES.objectNode();
        if (values[0] != null) {
            entry.set(values[0].asText(), values.length > 1 && values[1] != null ? values[1] : NullNode.getInstance());
        }
        return entry;
    }
}

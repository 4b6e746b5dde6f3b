package dev.prefloop.core.data.arrow;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;

import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.NullVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.StructVector;

/** JsonToArrow writes JSON values into vectors built from a {@link JsonShape}'s Arrow fields. */
final class JsonToArrow {

    private JsonToArrow() {}

    /** Sets row i of v to the value (null or missing sets the cell null). */
    static void set(ValueVector v, int i, JsonNode value) {
        if (v instanceof NullVector) {
            return; // every cell of a null column is null
        }
        if (value == null || value.isNull() || value.isMissingNode()) {
            setNull(v, i);
            return;
        }
        boolean jsonText = "json".equals(v.getField().getMetadata().get(JsonShape.ENCODING_KEY));
        if (v instanceof VarCharVector s) {
            String text = jsonText ? value.toString() : value.asText();
            s.setSafe(i, text.getBytes(StandardCharsets.UTF_8));
        } else if (v instanceof BigIntVector n) {
            n.setSafe(i, value.longValue());
        } else if (v instanceof Float8Vector f) {
            f.setSafe(i, value.doubleValue());
        } else if (v instanceof BitVector b) {
            b.setSafe(i, value.booleanValue() ? 1 : 0);
        } else if (v instanceof ListVector l) {
            int start = l.startNewValue(i);
            FieldVector child = l.getDataVector();
            int n = 0;
            for (JsonNode x : value) {
                set(child, start + n, x);
                n++;
            }
            l.endValue(i, n);
        } else if (v instanceof StructVector s) {
            s.setIndexDefined(i);
            for (FieldVector child : s.getChildrenFromFields()) {
                set(child, i, value.get(child.getName()));
            }
        } else {
            throw new IllegalStateException("no JSON writer for " + v.getClass().getSimpleName());
        }
    }

    private static void setNull(ValueVector v, int i) {
        if (v instanceof ListVector l) {
            l.setNull(i);
        } else if (v instanceof StructVector s) {
            s.setNull(i);
        } else if (v instanceof org.apache.arrow.vector.BaseFixedWidthVector f) {
            f.setNull(i);
        } else if (v instanceof org.apache.arrow.vector.BaseVariableWidthVector w) {
            w.setNull(i);
        } else {
            throw new IllegalStateException("no null writer for " + v.getClass().getSimpleName());
        }
    }

}

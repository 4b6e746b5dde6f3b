package dev.prefloop.core.data.arrow;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * ShapedBatch is a batch of records ready for Arrow: records with explicit nulls carry their
 * pointers in the hidden column, and the batch's shape is the union of its records' shapes.
 */
public record ShapedBatch(List<ObjectNode> records, JsonShape.StructOf shape) {

    /** Shapes a batch; the given records are not modified. */
    public static ShapedBatch of(List<ObjectNode> records) {
        List<ObjectNode> out = new ArrayList<>(records.size());
        JsonShape shape = new JsonShape.StructOf(java.util.Map.of());
        for (ObjectNode r : records) {
            List<String> nulls = ExplicitNulls.find(r);
            if (!nulls.isEmpty()) {
                ObjectNode copy = r.deepCopy();
                nulls.forEach(copy.putArray(ExplicitNulls.COLUMN)::add);
                r = copy;
            }
            out.add(r);
            shape = JsonShape.unify(shape, JsonShape.of(r));
        }
        return new ShapedBatch(out, (JsonShape.StructOf) shape);
    }
}

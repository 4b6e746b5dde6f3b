package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * NativeConstants makes loss constants as natively owned tensors of a given array's dtype and manager.
 *
 * <p>Why: DJL's {@code Number} overloads ({@code x.mul(3f)}) wrap the number in a tensor over Java
 * memory and free it right after the op, while autograd may still read it in backward (djl-notes.md
 * 2.3). {@code NDManager.full} takes a float, which would round constants such as beta = 0.1 in
 * float64. So the value is staged in a float64 tensor and copied natively into the target dtype.
 */
public final class NativeConstants {

    private NativeConstants() {}

    /** A 0-d tensor holding v, in like's dtype and manager. */
    public static NDArray scalar(NDArray like, double v) {
        return copyOf(like, new double[] {v}, new Shape());
    }

    /** A 1-d tensor holding values, in like's dtype and manager. */
    public static NDArray vector(NDArray like, double[] values) {
        return copyOf(like, values, new Shape(values.length));
    }

    private static NDArray copyOf(NDArray like, double[] values, Shape shape) {
        try (NDArray staged = like.getManager().create(values, shape)) {
            DataType type = like.getDataType();
            // duplicate() and a dtype-changing toType() are both native copies; staged can go at once.
            return type == DataType.FLOAT64 ? staged.duplicate() : staged.toType(type, true);
        }
    }
}

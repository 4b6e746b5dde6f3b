package dev.prefloop.engine.djl.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * HostTensor is one named weight as read from a checkpoint file, before it becomes an NDArray:
 * its storage dtype ("F32", "F16", "BF16", "I64", ... as safetensors names them), its shape and
 * its raw little-endian bytes (often a slice of a memory-mapped file, so never copied twice).
 */
public record HostTensor(String dtype, long[] shape, ByteBuffer data) {

    public HostTensor {
        data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A float32 array's values (copied to the host, converted when it is another dtype) as an F32 tensor. */
    public static HostTensor float32(NDArray a) {
        float[] values = (a.getDataType() == DataType.FLOAT32 ? a : a.toType(DataType.FLOAT32, false)).toFloatArray();
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return new HostTensor("F32", a.getShape().getShape(), b);
    }

    /** The number of elements, the product of the shape. */
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public String toString() {
        return dtype + Arrays.toString(shape);
    }
}

package dev.prefloop.engine.djl.weights;

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

package dev.prefloop.engine.djl.weights;

import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * StreamedTensor is a tensor whose bytes are produced while its file is written instead of held in memory: a
 * safetensors dtype, a shape, and a body that writes exactly numel x element size little-endian bytes (e.g. a merged
 * weight computed one block of rows at a time, or a memory-mapped tensor passed through).
 */
public record StreamedTensor(String dtype, long[] shape, Body body) {

    /** Writes a tensor's bytes at the channel's position. */
    @FunctionalInterface
    public interface Body {
        void write(FileChannel out) throws IOException;
    }

    public StreamedTensor {
        try {
            SafetensorsDtype.of(dtype);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("dtype \"" + dtype + "\" is not a safetensors dtype");
        }
        shape = shape.clone();
    }

    /**
     * {@code t}'s bytes as they are (for a memory-mapped tensor: copied from the mapping by the kernel); a buffer that
     * does not hold exactly the shape's bytes is an IllegalArgumentException.
     */
    public static StreamedTensor of(HostTensor t) {
        StreamedTensor s = new StreamedTensor(t.dtype(), t.shape(), out -> AtomicFile.writeFully(out, t.data()));
        if (t.data().remaining() != s.byteSize()) {
            throw new IllegalArgumentException("tensor " + t + " needs " + s.byteSize() + " bytes, its buffer holds "
                    + t.data().remaining());
        }
        return s;
    }

    /** The number of elements, the product of the shape. */
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** The bytes the body writes. */
    public long byteSize() {
        return Math.multiplyExact(numel(), SafetensorsDtype.of(dtype).byteSize());
    }
}

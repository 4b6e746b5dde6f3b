package dev.prefloop.engine.djl.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * TorchTensorRef is a tensor as torch pickles it: a view of {@code size} with {@code stride}
 * (both in elements) starting {@code offset} elements into a storage that other tensors may share.
 */
record TorchTensorRef(TorchStorage storage, long offset, long[] size, long[] stride) {

    /** The number of elements of the view. */
    long numel() {
        long n = 1;
        for (long d : size) {
            n *= d;
        }
        return n;
    }

    /**
     * Why the view cannot be read from a storage of {@code storage().numel()} elements, or null
     * when it can: negative sizes or strides, or elements past the storage's end.
     */
    String invalidReason() {
        if (offset < 0) {
            return "negative storage offset " + offset;
        }
        long last = offset;
        for (int i = 0; i < size.length; i++) {
            if (size[i] < 0 || stride[i] < 0) {
                return "negative size or stride " + Arrays.toString(size) + " / " + Arrays.toString(stride);
            }
            if (size[i] == 0) {
                return null; // an empty view reads nothing
            }
            last = Math.addExact(last, Math.multiplyExact(size[i] - 1, stride[i]));
        }
        if (last >= storage.numel()) {
            return "view of size " + Arrays.toString(size) + ", stride " + Arrays.toString(stride) + " at offset "
                    + offset + " reads element " + last + " of a storage of " + storage.numel();
        }
        return null;
    }

    /** True when the view's elements lie in row-major order without gaps (size-1 dims ignored). */
    boolean isContiguous() {
        long expected = 1;
        for (int i = size.length - 1; i >= 0; i--) {
            if (size[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= size[i];
        }
        return true;
    }

    /**
     * The view's bytes in row-major order: a slice of {@code storageBytes} when contiguous (shared
     * with other views of that storage, never written), else a fresh copy element by element.
     */
    ByteBuffer bytes(ByteBuffer storageBytes, int elemBytes) {
        long n = numel();
        if (isContiguous() || n == 0) {
            return storageBytes.slice(Math.toIntExact(offset * elemBytes), Math.toIntExact(n * elemBytes))
                    .order(ByteOrder.LITTLE_ENDIAN);
        }
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(n * elemBytes)).order(ByteOrder.LITTLE_ENDIAN);
        long[] index = new long[size.length];
        for (long k = 0; k < n; k++) {
            long src = offset;
            for (int d = 0; d < size.length; d++) {
                src += index[d] * stride[d];
            }
            out.put(storageBytes.slice(Math.toIntExact(src * elemBytes), elemBytes));
            // odometer over the row-major index
            for (int d = size.length - 1; d >= 0 && ++index[d] == size[d]; d--) {
                index[d] = 0;
            }
        }
        return out.flip();
    }
}

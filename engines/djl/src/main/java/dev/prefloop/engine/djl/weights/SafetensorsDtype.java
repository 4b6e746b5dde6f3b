package dev.prefloop.engine.djl.weights;

/**
 * SafetensorsDtype lists the whole-byte element types of the safetensors format in the library's
 * declaration order, which is increasing alignment: the writer orders tensors by it.
 */
public enum SafetensorsDtype {
    BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1), F8_E8M0(1), I16(2), U16(2), F16(2), BF16(2), I32(4), U32(4),
    F32(4), C64(8), F64(8), I64(8), U64(8);

    private final int byteSize;

    SafetensorsDtype(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The dtype of a safetensors name such as "F32"; IllegalArgumentException if there is none. */
    public static SafetensorsDtype of(String name) {
        return valueOf(name);
    }
}

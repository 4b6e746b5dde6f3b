package dev.prefloop.engine.djl.weights;

import dev.prefloop.core.error.ModelException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/**
 * StorageDecoder writes a checkpoint tensor's F32, F16 or BF16 bytes into a float32 or float16
 * buffer in native order — typically a view of a freshly allocated libtorch tensor, so the values
 * are copied once, from the memory-mapped file into the tensor, and nothing counts against the
 * JVM's direct-memory limit.
 *
 * <p>Why in Java: DJL 0.36 aborts the JVM on any BF16 array, so BF16 never reaches libtorch. Both
 * upcasts are exact (BF16 is the top half of an F32; every F16 value is an F32 value).
 */
public final class StorageDecoder {

    private StorageDecoder() {}

    /** True for the storage dtypes this decoder reads. */
    public static boolean isFloat(String dtype) {
        return dtype.equals("F32") || dtype.equals("F16") || dtype.equals("BF16");
    }

    /** Writes the values as float32 into {@code dst} (native order, 4 * numel bytes). */
    public static void writeFloat32(String name, HostTensor t, ByteBuffer dst) {
        int n = Math.toIntExact(t.numel());
        FloatBuffer out = dst.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
        ByteBuffer src = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        switch (t.dtype()) {
            case "F32" -> out.put(src.asFloatBuffer());
            case "BF16" -> {
                ShortBuffer s = src.asShortBuffer();
                for (int i = 0; i < n; i++) {
                    out.put(i, Float.intBitsToFloat((s.get(i) & 0xffff) << 16));
                }
            }
            case "F16" -> {
                ShortBuffer s = src.asShortBuffer();
                for (int i = 0; i < n; i++) {
                    out.put(i, halfToFloat(s.get(i)));
                }
            }
            default -> throw unsupported(name, t);
        }
    }

    /** Writes the values as float16 into {@code dst} (native order, 2 * numel bytes); F32 and BF16 round to nearest even. */
    public static void writeFloat16(String name, HostTensor t, ByteBuffer dst) {
        int n = Math.toIntExact(t.numel());
        ShortBuffer out = dst.duplicate().order(ByteOrder.nativeOrder()).asShortBuffer();
        ByteBuffer src = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        switch (t.dtype()) {
            case "F16" -> out.put(src.asShortBuffer());
            case "F32" -> {
                FloatBuffer f = src.asFloatBuffer();
                for (int i = 0; i < n; i++) {
                    out.put(i, floatToHalf(f.get(i)));
                }
            }
            case "BF16" -> {
                ShortBuffer s = src.asShortBuffer();
                for (int i = 0; i < n; i++) {
                    out.put(i, floatToHalf(Float.intBitsToFloat((s.get(i) & 0xffff) << 16)));
                }
            }
            default -> throw unsupported(name, t);
        }
    }

    /** IEEE binary16 to binary32, exact (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            // Subnormal (or zero): mant * 2^-24, exact in float32.
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** IEEE binary32 to binary16, round to nearest even, overflow to infinity. */
    static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) {
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign;
            }
            // Subnormal half: shift the implicit-one mantissa into place, rounding half to even.
            int m = mant | 0x800000;
            int shift = 14 - e;
            int half = m >>> shift;
            int rem = m & ((1 << shift) - 1);
            int mid = 1 << (shift - 1);
            if (rem > mid || (rem == mid && (half & 1) != 0)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) {
            half++; // may carry into the exponent, which is the correct rounding up to the next binade
        }
        return (short) (sign | half);
    }

    private static ModelException unsupported(String name, HostTensor t) {
        return new ModelException("tensor \"" + name + "\" is stored as " + t.dtype()
                + "; only F32, F16 and BF16 weights can be loaded");
    }
}

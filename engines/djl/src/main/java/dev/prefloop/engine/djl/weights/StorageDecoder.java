package dev.prefloop.engine.djl.weights;

import dev.prefloop.core.error.ModelException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/**
 * StorageDecoder turns a checkpoint tensor's F32, F16 or BF16 bytes into a fresh direct buffer in
 * native order, float32 or float16, ready for {@code NDManager.create(buffer, shape, dtype)}.
 *
 * <p>Why in Java: DJL 0.36 aborts the JVM on any BF16 array, so BF16 never reaches libtorch. Both
 * upcasts are exact (BF16 is the top half of an F32; every F16 value is an F32 value). The result
 * is a new buffer, never the memory-mapped file: libtorch wraps a direct buffer without copying,
 * and training writes parameters in place.
 */
public final class StorageDecoder {

    private StorageDecoder() {}

    /** True for the storage dtypes this decoder reads. */
    public static boolean isFloat(String dtype) {
        return dtype.equals("F32") || dtype.equals("F16") || dtype.equals("BF16");
    }

    /** The values as float32, native order. */
    public static ByteBuffer toFloat32(String name, HostTensor t) {
        int n = Math.toIntExact(t.numel());
        ByteBuffer out = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
        FloatBuffer dst = out.asFloatBuffer();
        ByteBuffer src = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        switch (t.dtype()) {
            case "F32" -> dst.put(src.asFloatBuffer());
            case "BF16" -> {
                ShortBuffer s = src.asShortBuffer();
                for (int i = 0; i < n; i++) {
                    dst.put(i, Float.intBitsToFloat((s.get(i) & 0xffff) << 16));
                }
            }
            case "F16" -> {
                ShortBuffer s = src.asShortBuffer();
                for (int i = 0; i < n; i++) {
                    dst.put(i, halfToFloat(s.get(i)));
                }
            }
            default -> throw unsupported(name, t);
        }
        return out;
    }

    /** The values as float16, native order (F32 and BF16 are rounded to nearest even). */
    public static ByteBuffer toFloat16(String name, HostTensor t) {
        int n = Math.toIntExact(t.numel());
        ByteBuffer out = ByteBuffer.allocateDirect(n * 2).order(ByteOrder.nativeOrder());
        ShortBuffer dst = out.asShortBuffer();
        ByteBuffer src = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (t.dtype().equals("F16")) {
            dst.put(src.asShortBuffer());
            return out;
        }
        FloatBuffer f = toFloat32(name, t).asFloatBuffer();
        for (int i = 0; i < n; i++) {
            dst.put(i, floatToHalf(f.get(i)));
        }
        return out;
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

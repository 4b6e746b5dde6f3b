package dev.prefloop.engine.djl.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.Set;

/**
 * DtypeConversion converts HostTensors between F32, F16 and BF16 as torch does: widening is
 * exact, narrowing rounds to nearest even (overflow to infinity, subnormals kept).
 *
 * <p>Used to upcast BF16/F16 checkpoints to F32 on load (DJL aborts on bfloat16 arrays) and to
 * store F16 or BF16 on save, whole ({@link #convert}) or streamed to a file ({@link #write}).
 */
public final class DtypeConversion {

    private static final Set<String> FLOATS = Set.of("F32", "F16", "BF16");

    /** Elements per block of {@link #write}: a 4 MiB buffer at most. */
    private static final int BLOCK = 1 << 20;

    private DtypeConversion() {}

    /**
     * {@code t} stored as {@code targetDtype} ("F32", "F16" or "BF16"); {@code t} itself when it
     * already is. Narrowing between F16 and BF16 goes through F32, which is exact, so it rounds once.
     */
    public static HostTensor convert(HostTensor t, String targetDtype) {
        if (t.dtype().equals(targetDtype)) {
            return t;
        }
        check(t, targetDtype);
        ByteBuffer in = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int n = Math.toIntExact(t.numel());
        ByteBuffer out = ByteBuffer.allocate(Math.multiplyExact(n, targetDtype.equals("F32") ? 4 : 2))
                .order(ByteOrder.LITTLE_ENDIAN);
        convert(in, t.dtype(), 0, out, targetDtype, n);
        return new HostTensor(targetDtype, t.shape().clone(), out);
    }

    /**
     * Writes {@code t}'s values as {@code targetDtype} at {@code out}'s position, rounded as {@link #convert} rounds,
     * a block at a time through one small buffer: a tensor of any size converts without a copy of it on the heap.
     */
    public static void write(HostTensor t, String targetDtype, FileChannel out) throws IOException {
        if (t.dtype().equals(targetDtype)) {
            AtomicFile.writeFully(out, t.data());
            return;
        }
        check(t, targetDtype);
        ByteBuffer in = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long n = t.numel();
        int size = targetDtype.equals("F32") ? 4 : 2;
        ByteBuffer block = ByteBuffer.allocate((int) Math.min(BLOCK, n) * size).order(ByteOrder.LITTLE_ENDIAN);
        for (long from = 0; from < n; from += BLOCK) {
            int count = (int) Math.min(BLOCK, n - from);
            block.clear();
            convert(in, t.dtype(), Math.toIntExact(from), block, targetDtype, count);
            block.limit(count * size);
            AtomicFile.writeFully(out, block);
        }
    }

    private static void check(HostTensor t, String targetDtype) {
        if (!FLOATS.contains(t.dtype()) || !FLOATS.contains(targetDtype)) {
            throw new IllegalArgumentException("cannot convert " + t + " to " + targetDtype
                    + ": only F32, F16 and BF16 convert");
        }
    }

    /** Elements [from, from + count) of {@code in} as {@code outDtype} into {@code out} from index 0. */
    private static void convert(ByteBuffer in, String inDtype, int from, ByteBuffer out, String outDtype, int count) {
        for (int i = 0; i < count; i++) {
            int k = from + i;
            float f = switch (inDtype) {
                case "F32" -> in.getFloat(4 * k);
                case "F16" -> f16ToFloat(in.getShort(2 * k));
                default -> bf16ToFloat(in.getShort(2 * k));
            };
            switch (outDtype) {
                case "F32" -> out.putFloat(4 * i, f);
                case "F16" -> out.putShort(2 * i, floatToF16(f));
                default -> out.putShort(2 * i, floatToBf16(f));
            }
        }
    }

    /** The float of a bfloat16 bit pattern: its 16 bits are the float's upper half, so exact. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Rounds to the nearest bfloat16, ties to even; NaN becomes 0x7FC0 as in c10::BFloat16. */
    public static short floatToBf16(float f) {
        if (Float.isNaN(f)) {
            return (short) 0x7FC0;
        }
        int u = Float.floatToRawIntBits(f);
        // adding 0x7FFF (+1 when the kept lowest bit is odd) carries into the kept half exactly
        // when the dropped half is above the tie, or at the tie with an odd kept half
        int bias = ((u >>> 16) & 1) + 0x7FFF;
        return (short) ((u + bias) >>> 16);
    }

    /** The float of an IEEE half bit pattern, exact for every value, NaN payloads kept. */
    public static float f16ToFloat(short bits) {
        int h = bits & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            // zero or subnormal: mant x 2^-24, exact in float
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /**
     * Rounds to the nearest IEEE half, ties to even, as c10::Half does (the FP16 library's
     * fp16_ieee_from_fp32_value): overflow gives infinity, NaN gives 0x7E00 with the sign kept.
     */
    public static short floatToF16(float f) {
        // Scaling by 2^112 then 2^-110 lets float arithmetic round the mantissa at half's precision
        // and saturate overflow to infinity; adding a power of two aligned to the target exponent
        // then shifts the rounded half bits into the low mantissa.
        float base = (Math.abs(f) * 0x1.0p+112f) * 0x1.0p-110f;
        int w = Float.floatToRawIntBits(f);
        int shl1W = w + w;
        int sign = w & 0x80000000;
        int bias = shl1W & 0xFF000000;
        if (Integer.compareUnsigned(bias, 0x71000000) < 0) {
            bias = 0x71000000;
        }
        base = Float.intBitsToFloat((bias >>> 1) + 0x07800000) + base;
        int bits = Float.floatToRawIntBits(base);
        int expBits = (bits >>> 13) & 0x00007C00;
        int mantissaBits = bits & 0x00000FFF;
        int nonsign = expBits + mantissaBits;
        boolean nan = Integer.compareUnsigned(shl1W, 0xFF000000) > 0;
        return (short) ((sign >>> 16) | (nan ? 0x7E00 : nonsign));
    }
}

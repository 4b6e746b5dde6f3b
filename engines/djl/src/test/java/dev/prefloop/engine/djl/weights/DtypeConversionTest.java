package dev.prefloop.engine.djl.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DtypeConversionTest {

    /** {float32 bits, float16 bits} as numpy's astype(float16) rounds them (nearest, ties to even). */
    private static final int[][] F32_TO_F16 = {
        {0x00000000, 0x0000}, {0x80000000, 0x8000}, {0x3f800000, 0x3c00},
        {0x3f801000, 0x3c00}, // 1 + 2^-11: a tie, rounds down to the even 1.0
        {0x3f803000, 0x3c02}, // 1 + 3 * 2^-11: a tie, rounds up to the even 1 + 2^-9
        {0x3f801001, 0x3c01}, // just above the tie
        {0x477fe000, 0x7bff}, // 65504, the largest half
        {0x477ff000, 0x7c00}, // 65520: the tie above it overflows to infinity
        {0x477fefff, 0x7bff}, {0x7f7fffff, 0x7c00}, // float max overflows
        {0x7f800000, 0x7c00}, {0xff800000, 0xfc00}, {0x7fc00000, 0x7e00}, {0xffc00000, 0xfe00},
        {0x33800000, 0x0001}, // 2^-24, the smallest subnormal
        {0x33000000, 0x0000}, // 2^-25: a tie between 0 and 2^-24, rounds to the even 0
        {0x33000001, 0x0001}, {0x33c00000, 0x0002}, // 1.5 * 2^-24: a tie, rounds up to even 2
        {0x387fc000, 0x03ff}, // the largest subnormal
        {0x38800000, 0x0400}, // the smallest normal
        {0x00000001, 0x0000}, // a float subnormal underflows
        {0xc0490fdb, 0xc248}, // -pi
    };

    /** {float16 bits, float32 bits}: every half value widens exactly. */
    private static final int[][] F16_TO_F32 = {
        {0x0001, 0x33800000}, {0x03ff, 0x387fc000}, {0x0400, 0x38800000}, {0x7bff, 0x477fe000},
        {0x7c00, 0x7f800000}, {0xfc00, 0xff800000}, {0x7e00, 0x7fc00000}, {0x8001, 0xb3800000},
        {0x3c00, 0x3f800000}, {0x8000, 0x80000000},
    };

    /** {float32 bits, bfloat16 bits} by c10::BFloat16's round_to_nearest_even. */
    private static final int[][] F32_TO_BF16 = {
        {0x3f808000, 0x3f80}, // a tie, rounds down to the even mantissa
        {0x3f818000, 0x3f82}, // a tie, rounds up to the even mantissa
        {0x3f808001, 0x3f81}, {0x7f7fffff, 0x7f80}, // float max rounds to infinity
        {0x00000001, 0x0000}, {0x807fffff, 0x8080}, // the largest negative subnormal rounds to -2^-126
        {0x7f800000, 0x7f80}, {0xff800000, 0xff80}, {0xc0490fdb, 0xc049},
        {0x7fc00001, 0x7fc0}, {0xffc00000, 0x7fc0}, // any NaN becomes the canonical 0x7FC0
    };

    @Test
    void floatToHalfRoundsToNearestEven() {
        for (int[] c : F32_TO_F16) {
            short h = DtypeConversion.floatToF16(Float.intBitsToFloat(c[0]));
            assertEquals(c[1], h & 0xFFFF, () -> Integer.toHexString(c[0]));
        }
    }

    @Test
    void halfToFloatIsExact() {
        for (int[] c : F16_TO_F32) {
            assertEquals(c[1], Float.floatToRawIntBits(DtypeConversion.f16ToFloat((short) c[0])),
                    () -> Integer.toHexString(c[0]));
        }
        // every finite half survives the round trip through float
        for (int h = 0; h < 0x10000; h++) {
            if ((h & 0x7C00) != 0x7C00) {
                assertEquals(h, DtypeConversion.floatToF16(DtypeConversion.f16ToFloat((short) h)) & 0xFFFF);
            }
        }
    }

    @Test
    void floatToBfloat16RoundsToNearestEven() {
        for (int[] c : F32_TO_BF16) {
            short b = DtypeConversion.floatToBf16(Float.intBitsToFloat(c[0]));
            assertEquals(c[1], b & 0xFFFF, () -> Integer.toHexString(c[0]));
        }
        assertEquals(0xc0490000, Float.floatToRawIntBits(DtypeConversion.bf16ToFloat((short) 0xc049)));
        assertTrue(Float.isNaN(DtypeConversion.bf16ToFloat((short) 0x7fc0)));
    }

    @Test
    void narrowingTheFixtureGivesTheStoredBf16AndF16Checkpoints() {
        Map<String, HostTensor> f32 = SafetensorsReader.read(Fixtures.dir("llama-gqa").resolve("model.safetensors"));
        for (String dtype : new String[] {"BF16", "F16"}) {
            String dir = "llama-gqa-" + dtype.toLowerCase();
            Map<String, HostTensor> stored = SafetensorsReader.read(Fixtures.dir(dir).resolve("model.safetensors"));
            for (Map.Entry<String, HostTensor> e : f32.entrySet()) {
                HostTensor narrowed = DtypeConversion.convert(e.getValue(), dtype);
                HostTensor expected = stored.get(e.getKey());
                assertEquals(dtype, narrowed.dtype());
                assertArrayEquals(expected.shape(), narrowed.shape());
                assertArrayEquals(Fixtures.bytes(expected.data()), Fixtures.bytes(narrowed.data()), e.getKey());
                // widening back is exact: narrowing the widened tensor again changes nothing
                HostTensor widened = DtypeConversion.convert(expected, "F32");
                assertArrayEquals(Fixtures.bytes(expected.data()),
                        Fixtures.bytes(DtypeConversion.convert(widened, dtype).data()), e.getKey());
            }
        }
    }

    @Test
    void writingToAFileInBlocksGivesWhatConvertGives(@TempDir Path tmp) throws IOException {
        // 2^20 + 3 elements: one full block of the writer and a short one
        int n = (1 << 20) + 3;
        java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
        ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putFloat(4 * i, (float) (rng.nextGaussian() * Math.pow(2, rng.nextInt(-30, 20))));
        }
        HostTensor t = new HostTensor("F32", new long[] {n}, b);
        for (String dtype : new String[] {"BF16", "F16", "F32"}) {
            for (HostTensor source : new HostTensor[] {t, DtypeConversion.convert(t, "BF16")}) {
                Path file = tmp.resolve(dtype + "-" + source.dtype());
                try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    DtypeConversion.write(source, dtype, out);
                }
                assertArrayEquals(Fixtures.bytes(DtypeConversion.convert(source, dtype).data()),
                        Files.readAllBytes(file), source.dtype() + " -> " + dtype);
            }
        }
    }

    @Test
    void conversionKeepsShapeAndRefusesNonFloats() {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f).flip();
        HostTensor t = new HostTensor("F32", new long[] {2, 1}, b);
        HostTensor bf = DtypeConversion.convert(t, "BF16");
        assertArrayEquals(new long[] {2, 1}, bf.shape());
        HostTensor f16 = DtypeConversion.convert(bf, "F16");
        assertEquals(1.5f, DtypeConversion.f16ToFloat(f16.data().getShort(0)));
        assertEquals(-2f, DtypeConversion.f16ToFloat(f16.data().getShort(2)));
        assertSame(t, DtypeConversion.convert(t, "F32"));
        HostTensor ids = new HostTensor("I64", new long[] {1}, ByteBuffer.allocate(8));
        assertThrows(IllegalArgumentException.class, () -> DtypeConversion.convert(ids, "F32"));
    }
}

package dev.prefloop.engine.djl.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class StorageDecoderTest {

    @Test
    void everyHalfRoundTripsThroughFloat() {
        for (int bits = 0; bits < 0x10000; bits++) {
            short h = (short) bits;
            float f = StorageDecoder.halfToFloat(h);
            if (Float.isNaN(f)) {
                assertEquals(0x7c00, bits & 0x7c00, "NaN only from an all-ones exponent");
                continue;
            }
            assertEquals(h, StorageDecoder.floatToHalf(f), "half 0x" + Integer.toHexString(bits));
        }
    }

    @Test
    void knownHalves() {
        assertEquals(1.0f, StorageDecoder.halfToFloat((short) 0x3c00));
        assertEquals(-2.0f, StorageDecoder.halfToFloat((short) 0xc000));
        assertEquals(65504f, StorageDecoder.halfToFloat((short) 0x7bff));
        assertEquals(0x1p-24f, StorageDecoder.halfToFloat((short) 0x0001));
        assertEquals(Float.POSITIVE_INFINITY, StorageDecoder.halfToFloat((short) 0x7c00));
        // Rounding to nearest even at the midpoint between 1 and 1 + 2^-10.
        assertEquals((short) 0x3c00, StorageDecoder.floatToHalf(1f + 0x1p-11f));
        assertEquals((short) 0x3c02, StorageDecoder.floatToHalf(1f + 3 * 0x1p-11f));
        assertEquals((short) 0x7c00, StorageDecoder.floatToHalf(70000f));
    }
}

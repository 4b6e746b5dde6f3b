package dev.prefloop.core.data.parquet;

import static dev.prefloop.core.data.parquet.JsonConverters.NODES;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.LongFunction;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.DateLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.DecimalLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.EnumLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.Float16LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.IntLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.JsonLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.StringLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimeLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimeUnit;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimestampLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.UUIDLogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;

/** Chooses, once per leaf column, how its physical values become JSON (see package-info for the table). */
final class ValueDecoders {

    /** Days between the Julian day count used by INT96 timestamps and 1970-01-01. */
    private static final long JULIAN_EPOCH_DAY = 2_440_588L;

    private ValueDecoders() {}

    /** The decoding functions of one column; only the one matching its physical type is ever called. */
    static final class Decoder {
        final Function<Binary, JsonNode> binary;
        final IntFunction<JsonNode> int32;
        final LongFunction<JsonNode> int64;

        private Decoder(Function<Binary, JsonNode> binary, IntFunction<JsonNode> int32, LongFunction<JsonNode> int64) {
            this.binary = binary;
            this.int32 = int32;
            this.int64 = int64;
        }

        static Decoder ofBinary(Function<Binary, JsonNode> f) {
            return new Decoder(f, null, null);
        }

        static Decoder ofInt(IntFunction<JsonNode> f) {
            return new Decoder(null, f, null);
        }

        static Decoder ofLong(LongFunction<JsonNode> f) {
            return new Decoder(null, null, f);
        }

        /** Booleans, floats and doubles need no choice: the converter maps them itself. */
        static final Decoder NATIVE = new Decoder(null, null, null);

        static final Decoder NULLS = new Decoder(v -> NullNode.getInstance(), v -> NullNode.getInstance(), v -> NullNode.getInstance());
    }

    /** The decoder for a leaf column, or null when prefloop has no JSON form for its type. */
    static Decoder forType(PrimitiveType type) {
        LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
        if (logical instanceof LogicalTypeAnnotation.UnknownLogicalTypeAnnotation) {
            // Arrow's null type (pyarrow writes it for a column that is None in every row): never has a value.
            return Decoder.NULLS;
        }
        switch (type.getPrimitiveTypeName()) {
            case BOOLEAN:
            case FLOAT:
            case DOUBLE:
                return logical == null ? Decoder.NATIVE : null;
            case INT32:
                return int32(logical);
            case INT64:
                return int64(logical);
            case INT96:
                return logical == null ? Decoder.ofBinary(ValueDecoders::int96) : null;
            case BINARY:
            case FIXED_LEN_BYTE_ARRAY:
                return bytes(logical, type);
            default:
                return null;
        }
    }

    private static Decoder int32(LogicalTypeAnnotation logical) {
        if (logical == null || logical instanceof IntLogicalTypeAnnotation && ((IntLogicalTypeAnnotation) logical).isSigned()) {
            return Decoder.ofInt(NODES::numberNode);
        }
        if (logical instanceof IntLogicalTypeAnnotation) {
            return Decoder.ofInt(v -> NODES.numberNode(Integer.toUnsignedLong(v)));
        }
        if (logical instanceof DateLogicalTypeAnnotation) {
            return Decoder.ofInt(v -> NODES.textNode(LocalDate.ofEpochDay(v).toString()));
        }
        if (logical instanceof DecimalLogicalTypeAnnotation) {
            int scale = ((DecimalLogicalTypeAnnotation) logical).getScale();
            return Decoder.ofInt(v -> NODES.numberNode(BigDecimal.valueOf(v, scale)));
        }
        if (logical instanceof TimeLogicalTypeAnnotation) {
            boolean utc = ((TimeLogicalTypeAnnotation) logical).isAdjustedToUTC();
            return Decoder.ofInt(v -> time(v * 1_000_000L, utc));
        }
        return null;
    }

    private static Decoder int64(LogicalTypeAnnotation logical) {
        if (logical == null || logical instanceof IntLogicalTypeAnnotation && ((IntLogicalTypeAnnotation) logical).isSigned()) {
            return Decoder.ofLong(NODES::numberNode);
        }
        if (logical instanceof IntLogicalTypeAnnotation) {
            // uint64 above Long.MAX_VALUE is stored as a negative long.
            return Decoder.ofLong(v -> v >= 0
                    ? NODES.numberNode(v)
                    : NODES.numberNode(new BigInteger(Long.toUnsignedString(v))));
        }
        if (logical instanceof DecimalLogicalTypeAnnotation) {
            int scale = ((DecimalLogicalTypeAnnotation) logical).getScale();
            return Decoder.ofLong(v -> NODES.numberNode(BigDecimal.valueOf(v, scale)));
        }
        if (logical instanceof TimestampLogicalTypeAnnotation) {
            TimestampLogicalTypeAnnotation ts = (TimestampLogicalTypeAnnotation) logical;
            long perSecond = perSecond(ts.getUnit());
            boolean utc = ts.isAdjustedToUTC();
            return Decoder.ofLong(v -> timestamp(Math.floorDiv(v, perSecond), Math.floorMod(v, perSecond) * (1_000_000_000L / perSecond), utc));
        }
        if (logical instanceof TimeLogicalTypeAnnotation) {
            TimeLogicalTypeAnnotation t = (TimeLogicalTypeAnnotation) logical;
            long nanosPerUnit = 1_000_000_000L / perSecond(t.getUnit());
            boolean utc = t.isAdjustedToUTC();
            return Decoder.ofLong(v -> time(v * nanosPerUnit, utc));
        }
        return null;
    }

    private static Decoder bytes(LogicalTypeAnnotation logical, PrimitiveType type) {
        boolean fixed = type.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY;
        if (logical == null || logical instanceof LogicalTypeAnnotation.BsonLogicalTypeAnnotation) {
            // Raw bytes (pyarrow's binary, e.g. image bytes): carried through as base64 text.
            return Decoder.ofBinary(v -> NODES.textNode(Base64.getEncoder().encodeToString(v.getBytes())));
        }
        if (!fixed && (logical instanceof StringLogicalTypeAnnotation
                || logical instanceof EnumLogicalTypeAnnotation
                || logical instanceof JsonLogicalTypeAnnotation)) {
            return Decoder.ofBinary(v -> NODES.textNode(v.toStringUsingUTF8()));
        }
        if (logical instanceof DecimalLogicalTypeAnnotation) {
            int scale = ((DecimalLogicalTypeAnnotation) logical).getScale();
            return Decoder.ofBinary(v -> NODES.numberNode(new BigDecimal(new BigInteger(v.getBytes()), scale)));
        }
        if (fixed && logical instanceof UUIDLogicalTypeAnnotation && type.getTypeLength() == 16) {
            return Decoder.ofBinary(v -> {
                ByteBuffer b = v.toByteBuffer();
                return NODES.textNode(new UUID(b.getLong(b.position()), b.getLong(b.position() + 8)).toString());
            });
        }
        if (fixed && logical instanceof Float16LogicalTypeAnnotation && type.getTypeLength() == 2) {
            return Decoder.ofBinary(v -> {
                byte[] b = v.getBytes();
                return NODES.numberNode(halfToFloat((short) ((b[0] & 0xff) | (b[1] & 0xff) << 8)));
            });
        }
        return null;
    }

    private static long perSecond(TimeUnit unit) {
        switch (unit) {
            case MILLIS:
                return 1_000L;
            case MICROS:
                return 1_000_000L;
            default:
                return 1_000_000_000L;
        }
    }

    /** UTC-adjusted instants end in Z; local (wall-clock) timestamps have no offset, as pyarrow's naive ones. */
    private static JsonNode timestamp(long epochSecond, long nanos, boolean utc) {
        if (utc) {
            return NODES.textNode(DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochSecond(epochSecond, nanos)));
        }
        LocalDateTime local = LocalDateTime.ofEpochSecond(epochSecond, (int) nanos, ZoneOffset.UTC);
        return NODES.textNode(DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(local));
    }

    private static JsonNode time(long nanosOfDay, boolean utc) {
        String text = DateTimeFormatter.ISO_LOCAL_TIME.format(LocalTime.ofNanoOfDay(nanosOfDay));
        return NODES.textNode(utc ? text + "Z" : text);
    }

    /** Legacy INT96 timestamps (Impala, old Spark): nanos of day then Julian day, little-endian; read as naive like Arrow does. */
    private static JsonNode int96(Binary value) {
        ByteBuffer b = value.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        long nanosOfDay = b.getLong(b.position());
        long epochDay = b.getInt(b.position() + 8) - JULIAN_EPOCH_DAY;
        long seconds = Math.multiplyExact(epochDay, 86_400L) + Math.floorDiv(nanosOfDay, 1_000_000_000L);
        return timestamp(seconds, Math.floorMod(nanosOfDay, 1_000_000_000L), false);
    }

    /** IEEE 754 half precision to float (Float.float16ToFloat needs Java 20). */
    static float halfToFloat(short half) {
        int sign = (half & 0x8000) << 16;
        int exponent = (half >>> 10) & 0x1f;
        int mantissa = half & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | mantissa << 13);
        }
        if (exponent == 0) {
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | (exponent + 112) << 23 | mantissa << 13);
    }
}

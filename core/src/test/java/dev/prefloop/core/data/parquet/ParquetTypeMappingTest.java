package dev.prefloop.core.data.parquet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroup;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParquetTypeMappingTest {

    @TempDir Path dir;

    @Test
    void logicalTypesBecomeNumbersIsoStringsOrBase64() {
        MessageType schema = ParquetFixtures.schema("""
                message schema {
                  optional int32 i8 (INTEGER(8,true));
                  optional int32 u16 (INTEGER(16,false));
                  optional int32 u32 (INTEGER(32,false));
                  optional int64 u64 (INTEGER(64,false));
                  optional int32 day (DATE);
                  optional int64 ts_ms_utc (TIMESTAMP(MILLIS,true));
                  optional int64 ts_us_local (TIMESTAMP(MICROS,false));
                  optional int64 ts_ns_utc (TIMESTAMP(NANOS,true));
                  optional int32 t_ms (TIME(MILLIS,false));
                  optional int64 t_us (TIME(MICROS,false));
                  optional int32 dec32 (DECIMAL(9,2));
                  optional int64 dec64 (DECIMAL(18,4));
                  optional fixed_len_byte_array(16) dec_fixed (DECIMAL(38,10));
                  optional binary dec_bin (DECIMAL(20,3));
                  optional binary raw;
                  optional fixed_len_byte_array(16) uuid (UUID);
                  optional fixed_len_byte_array(2) half (FLOAT16);
                  optional binary kind (ENUM);
                  optional binary doc (JSON);
                  optional int96 legacy_ts;
                  optional group tags (MAP) {
                    repeated group key_value {
                      required binary key (STRING);
                      optional int64 value;
                    }
                  }
                }
                """);
        Group row = new SimpleGroup(schema);
        row.append("i8", -5);
        row.append("u16", 65535);
        row.append("u32", -1);
        row.append("u64", -1L);
        row.append("day", 19723);
        row.append("ts_ms_utc", 1704067200123L);
        row.append("ts_us_local", 1704067200000000L);
        row.append("ts_ns_utc", -1L);
        row.append("t_ms", 45296789);
        row.append("t_us", 1_000_000L);
        row.append("dec32", 12345);
        row.append("dec64", -10001L);
        row.append("dec_fixed", Binary.fromConstantByteArray(bigEndian(10_000_000_000L, 16)));
        row.append("dec_bin", Binary.fromConstantByteArray(new java.math.BigInteger("-12345").toByteArray()));
        row.append("raw", Binary.fromConstantByteArray(new byte[] {0, 1, 2, (byte) 255}));
        UUID uuid = UUID.fromString("123e4567-e89b-12d3-a456-426614174000");
        row.append("uuid", Binary.fromConstantByteArray(ByteBuffer.allocate(16)
                .putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits()).array()));
        row.append("half", Binary.fromConstantByteArray(new byte[] {0x00, (byte) 0xC0}));
        row.append("kind", "A");
        row.append("doc", "{\"a\":1}");
        row.append("legacy_ts", Binary.fromConstantByteArray(ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(3_600_000_000_005L).putInt(2_460_311).array()));
        Group tags = row.addGroup("tags");
        tags.addGroup("key_value").append("key", "b").append("value", 2L);
        tags.addGroup("key_value").append("key", "a");

        Group empty = new SimpleGroup(schema);
        empty.addGroup("tags");

        assertEquals(List.of(
                "{\"i8\":-5,\"u16\":65535,\"u32\":4294967295,\"u64\":18446744073709551615,\"day\":\"2024-01-01\","
                        + "\"ts_ms_utc\":\"2024-01-01T00:00:00.123Z\",\"ts_us_local\":\"2024-01-01T00:00:00\","
                        + "\"ts_ns_utc\":\"1969-12-31T23:59:59.999999999Z\",\"t_ms\":\"12:34:56.789\",\"t_us\":\"00:00:01\","
                        + "\"dec32\":123.45,\"dec64\":-1.0001,\"dec_fixed\":1.0000000000,\"dec_bin\":-12.345,"
                        + "\"raw\":\"AAEC/w==\",\"uuid\":\"123e4567-e89b-12d3-a456-426614174000\",\"half\":-2.0,"
                        + "\"kind\":\"A\",\"doc\":\"{\\\"a\\\":1}\",\"legacy_ts\":\"2024-01-01T01:00:00.000000005\","
                        + "\"tags\":{\"b\":2,\"a\":null}}",
                "{\"tags\":{}}"),
                readAll(write(schema, row, empty)));
    }

    @Test
    void legacyListLayoutsFollowTheParquetSpecCompatibilityRules() {
        MessageType schema = ParquetFixtures.schema("""
                message schema {
                  optional group two_level (LIST) { repeated int32 array; }
                  optional group item_named (LIST) { repeated group list { optional binary item (STRING); } }
                  optional group spark_bag (LIST) { repeated group bag { optional int64 array; } }
                  optional group avro_records (LIST) { repeated group array { optional binary role (STRING); } }
                  optional group pairs (LIST) { repeated group pairs_tuple { required int32 x; } }
                  optional group multi (LIST) {
                    repeated group element { required binary role (STRING); required binary content (STRING); }
                  }
                  repeated int64 bare;
                  repeated group bare_structs { optional binary k (STRING); }
                }
                """);
        Group row = new SimpleGroup(schema);
        row.addGroup("two_level").append("array", 1).append("array", 2);
        Group items = row.addGroup("item_named");
        items.addGroup("list").append("item", "x");
        items.addGroup("list");
        row.addGroup("spark_bag").addGroup("bag").append("array", 7L);
        row.addGroup("avro_records").addGroup("array").append("role", "user");
        row.addGroup("pairs").addGroup("pairs_tuple").append("x", 1);
        row.addGroup("multi").addGroup("element").append("role", "user").append("content", "hi");
        row.append("bare", 5L).append("bare", 6L);
        row.addGroup("bare_structs").append("k", "v");

        assertEquals(List.of(
                "{\"two_level\":[1,2],\"item_named\":[\"x\",null],\"spark_bag\":[7],\"avro_records\":[{\"role\":\"user\"}],"
                        + "\"pairs\":[{\"x\":1}],\"multi\":[{\"role\":\"user\",\"content\":\"hi\"}],\"bare\":[5,6],"
                        + "\"bare_structs\":[{\"k\":\"v\"}]}",
                // A bare repeated field with no values reads as an empty array (Parquet cannot tell it from absent).
                "{\"bare\":[],\"bare_structs\":[]}"),
                readAll(write(schema, row, new SimpleGroup(schema))));
    }

    @Test
    void halfPrecisionFloats() {
        assertEquals(1.0f, ValueDecoders.halfToFloat((short) 0x3C00));
        assertEquals(-2.0f, ValueDecoders.halfToFloat((short) 0xC000));
        assertEquals(65504f, ValueDecoders.halfToFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, ValueDecoders.halfToFloat((short) 0x0001));
        assertEquals(Float.POSITIVE_INFINITY, ValueDecoders.halfToFloat((short) 0x7C00));
        assertFalse(Float.isFinite(ValueDecoders.halfToFloat((short) 0x7E00)));
    }

    private Path write(MessageType schema, Group... rows) {
        Path file = dir.resolve("types.parquet");
        ParquetFixtures.write(file, schema, CompressionCodecName.ZSTD, 100, List.of(rows));
        return file;
    }

    private static List<String> readAll(Path file) {
        List<String> rows = new ArrayList<>();
        try (ParquetRecordReader reader = new ParquetRecordReader(file)) {
            reader.forEachRemaining(row -> rows.add(row.toString()));
        }
        return rows;
    }

    private static byte[] bigEndian(long value, int width) {
        byte[] bytes = new byte[width];
        for (int i = width - 1; i >= 0; i--) {
            bytes[i] = (byte) value;
            value >>= 8;
        }
        return bytes;
    }
}

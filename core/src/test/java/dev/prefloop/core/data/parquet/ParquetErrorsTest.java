package dev.prefloop.core.data.parquet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prefloop.core.error.DataException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParquetErrorsTest {

    @TempDir Path dir;

    @Test
    void aFileThatIsNotParquetNamesTheFile() throws IOException {
        Path file = dir.resolve("train.parquet");
        Files.writeString(file, "{\"prompt\": \"this is JSONL, not Parquet\"}\n");
        DataException e = assertThrows(DataException.class, () -> new ParquetRecordReader(file));
        assertMessage(e, file + ": not a Parquet file (it does not start with the magic bytes PAR1)");
    }

    @Test
    void anEmptyFileNamesTheFile() throws IOException {
        Path file = Files.createFile(dir.resolve("empty.parquet"));
        assertMessage(assertThrows(DataException.class, () -> new ParquetRecordReader(file)),
                file + ": not a Parquet file (0 bytes, too short to be one)");
    }

    @Test
    void aMissingFileNamesTheFile() {
        Path file = dir.resolve("missing.parquet");
        assertMessage(assertThrows(DataException.class, () -> new ParquetRecordReader(file)),
                file + ": no such file");
    }

    @Test
    void aTruncatedFileNamesTheFile() throws IOException {
        Path whole = validFile("whole.parquet");
        byte[] bytes = Files.readAllBytes(whole);
        Path file = dir.resolve("truncated.parquet");
        Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));
        assertMessage(assertThrows(DataException.class, () -> new ParquetRecordReader(file)),
                file + ": truncated or not a Parquet file (it does not end with the magic bytes PAR1)");
    }

    @Test
    void aCorruptFooterNamesTheFile() throws IOException {
        Path file = validFile("footer.parquet");
        byte[] bytes = Files.readAllBytes(file);
        int footerLength = bytes[bytes.length - 8] & 0xff | (bytes[bytes.length - 7] & 0xff) << 8;
        Arrays.fill(bytes, bytes.length - 8 - footerLength, bytes.length - 8, (byte) 0xE7);
        Files.write(file, bytes);
        assertMessage(assertThrows(DataException.class, () -> new ParquetRecordReader(file)),
                file + ": corrupt Parquet footer (");
    }

    @Test
    void corruptPagesNameTheFileAndWhereReadingStopped() throws IOException {
        Path file = validFile("pages.parquet");
        byte[] bytes = Files.readAllBytes(file);
        // Page headers and compressed data start right after the leading magic "PAR1".
        Arrays.fill(bytes, 4, 64, (byte) 0xE7);
        Files.write(file, bytes);
        try (ParquetRecordReader reader = new ParquetRecordReader(file)) {
            DataException e = assertThrows(DataException.class, () -> {
                while (reader.hasNext()) {
                    reader.next();
                }
            });
            assertTrue(e.getMessage().startsWith(file + ", row group 1 (records 1-100): corrupt Parquet data ("), e.getMessage());
            assertEquals(3, e.exitCode());
        }
    }

    @Test
    void anUnsupportedTypeNamesTheColumn() {
        Path file = dir.resolve("interval.parquet");
        MessageType schema = ParquetFixtures.schema("""
                message schema {
                  optional binary prompt (STRING);
                  optional group meta { optional fixed_len_byte_array(12) wait (INTERVAL); }
                }
                """);
        ParquetFixtures.writeJson(file, schema, CompressionCodecName.SNAPPY, 10, "{\"prompt\":\"p\"}");
        assertMessage(assertThrows(DataException.class, () -> new ParquetRecordReader(file)),
                file + ", column \"meta.wait\": Parquet type FIXED_LEN_BYTE_ARRAY (INTERVAL) has no JSON form in prefloop");
    }

    @Test
    void aMapWithNonStringKeysNamesTheColumn() {
        Path file = dir.resolve("map.parquet");
        MessageType schema = ParquetFixtures.schema("""
                message schema {
                  optional group counts (MAP) {
                    repeated group key_value { required int32 key; optional int64 value; }
                  }
                }
                """);
        ParquetFixtures.writeJson(file, schema, CompressionCodecName.SNAPPY, 10);
        assertMessage(assertThrows(DataException.class, () -> new ParquetRecordReader(file)),
                file + ", column \"counts\": map keys of type INT32 cannot be JSON object keys (only string keys can)");
    }

    @Test
    void anUnsupportedCodecNamesTheColumnAndCodec() throws Exception {
        Path file = Path.of(getClass().getResource("/parquet-testing/large_string_map.brotli.parquet").toURI());
        assertMessage(assertThrows(DataException.class, () -> new ParquetRecordReader(file)),
                file + ", column \"arr.key_value.key\": compression codec BROTLI is not supported (supported: ");
    }

    private Path validFile(String name) {
        Path file = dir.resolve(name);
        String[] rows = new String[500];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = "{\"id\":\"r" + i + "\",\"prompt\":\"prompt number " + i + "\",\"chosen_ids\":[" + i + "," + (i * 7) + "]}";
        }
        ParquetFixtures.writeJson(file, ParquetRecordReaderTest.PYARROW_SCHEMA, CompressionCodecName.SNAPPY, 100, rows);
        return file;
    }

    private static void assertMessage(DataException e, String prefix) {
        assertTrue(e.getMessage().startsWith(prefix), () -> "message: " + e.getMessage() + "\nexpected prefix: " + prefix);
        assertEquals(3, e.exitCode());
        assertTrue(StandardCharsets.UTF_8.newEncoder().canEncode(e.getMessage()));
    }
}

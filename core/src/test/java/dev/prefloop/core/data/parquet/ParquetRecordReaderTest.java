package dev.prefloop.core.data.parquet;

import static dev.prefloop.core.data.parquet.ParquetFixtures.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ParquetRecordReaderTest {

    /** The schema pyarrow writes for a conversational preference dataset with extra columns. */
    static final MessageType PYARROW_SCHEMA = ParquetFixtures.schema("""
            message schema {
              optional binary id (STRING);
              optional binary prompt (STRING);
              optional group messages (LIST) {
                repeated group list {
                  optional group element {
                    optional binary role (STRING);
                    optional binary content (STRING);
                  }
                }
              }
              optional group chosen_ids (LIST) {
                repeated group list {
                  optional int64 element;
                }
              }
              optional group completions_ids (LIST) {
                repeated group list {
                  optional group element (LIST) {
                    repeated group list {
                      optional int64 element;
                    }
                  }
                }
              }
              optional double score_chosen;
              optional float p_chosen;
              optional int32 iteration;
              optional boolean judge_agrees;
              optional group meta {
                optional binary source (STRING);
                optional int64 n;
              }
            }
            """);

    static final String[] ROWS = {
        """
        {"id":"a1","prompt":"Say hi","messages":[{"role":"user","content":"héllo 世界 🎉"},{"role":"assistant","content":"quote \\" newline \\n tab \\t"}],
         "chosen_ids":[1,2,3],"completions_ids":[[1,2],[],[3]],"score_chosen":0.5,"p_chosen":0.25,"iteration":2,"judge_agrees":true,
         "meta":{"source":"on","n":7}}
        """,
        // Nulls everywhere: top-level and struct fields become absent, list elements stay null.
        """
        {"id":"a2","prompt":null,"messages":[null,{"role":"user","content":null}],"chosen_ids":[null,4],
         "completions_ids":[null,[null,5]],"score_chosen":null,"meta":{"source":null,"n":-9000000000}}
        """,
        // Empty lists are kept as empty arrays, an empty struct as an empty object.
        """
        {"id":"a3","messages":[],"chosen_ids":[],"completions_ids":[],"meta":{}}
        """,
        """
        {"id":"a4","prompt":"Ünïcödé — ок","iteration":-1,"judge_agrees":false}
        """,
    };

    static final String[] EXPECTED = {
        "{\"id\":\"a1\",\"prompt\":\"Say hi\",\"messages\":[{\"role\":\"user\",\"content\":\"héllo 世界 🎉\"},"
                + "{\"role\":\"assistant\",\"content\":\"quote \\\" newline \\n tab \\t\"}],\"chosen_ids\":[1,2,3],"
                + "\"completions_ids\":[[1,2],[],[3]],\"score_chosen\":0.5,\"p_chosen\":0.25,\"iteration\":2,"
                + "\"judge_agrees\":true,\"meta\":{\"source\":\"on\",\"n\":7}}",
        "{\"id\":\"a2\",\"messages\":[null,{\"role\":\"user\"}],\"chosen_ids\":[null,4],"
                + "\"completions_ids\":[null,[null,5]],\"meta\":{\"n\":-9000000000}}",
        "{\"id\":\"a3\",\"messages\":[],\"chosen_ids\":[],\"completions_ids\":[],\"meta\":{}}",
        "{\"id\":\"a4\",\"prompt\":\"Ünïcödé — ок\",\"iteration\":-1,\"judge_agrees\":false}",
    };

    @TempDir Path dir;

    @ParameterizedTest
    @EnumSource(value = CompressionCodecName.class, names = {"SNAPPY", "ZSTD", "GZIP", "LZ4_RAW", "UNCOMPRESSED"})
    void readsPyarrowLayoutAcrossTwoRowGroups(CompressionCodecName codec) {
        Path file = dir.resolve("train-" + codec + ".parquet");
        ParquetFixtures.writeJson(file, PYARROW_SCHEMA, codec, 2, ROWS);

        List<String> actual = new ArrayList<>();
        try (ParquetRecordReader reader = new ParquetRecordReader(file)) {
            while (reader.hasNext()) {
                actual.add(reader.next().toString());
                assertEquals(file + ", record " + actual.size(), reader.location());
            }
            assertEquals(2, reader.rowGroupsLoaded(), "4 rows at 2 per row group");
            assertThrows(NoSuchElementException.class, reader::next);
        }
        // String comparison: values, number forms and key order (schema order) all count.
        assertEquals(List.of(EXPECTED), actual);
    }

    @Test
    void readsVersion2DataPages() {
        Path file = dir.resolve("v2.parquet");
        List<org.apache.parquet.example.data.Group> rows = new ArrayList<>();
        for (String row : ROWS) {
            rows.add(ParquetFixtures.group(PYARROW_SCHEMA, json(row)));
        }
        ParquetFixtures.write(file, PYARROW_SCHEMA, CompressionCodecName.ZSTD, 3,
                org.apache.parquet.column.ParquetProperties.WriterVersion.PARQUET_2_0, rows);
        List<String> actual = new ArrayList<>();
        try (ParquetRecordReader reader = new ParquetRecordReader(file)) {
            reader.forEachRemaining(row -> actual.add(row.toString()));
        }
        assertEquals(List.of(EXPECTED), actual);
    }

    @Test
    void hasNextIsIdempotentAndAnEmptyFileHasNoRecords() {
        Path file = dir.resolve("empty.parquet");
        ParquetFixtures.writeJson(file, PYARROW_SCHEMA, CompressionCodecName.SNAPPY, 10);
        try (ParquetRecordReader reader = new ParquetRecordReader(file)) {
            assertFalse(reader.hasNext());
            assertFalse(reader.hasNext());
        }

        Path one = dir.resolve("one.parquet");
        ParquetFixtures.writeJson(one, PYARROW_SCHEMA, CompressionCodecName.SNAPPY, 10, ROWS[3]);
        try (ParquetRecordReader reader = new ParquetRecordReader(one)) {
            assertTrue(reader.hasNext());
            assertTrue(reader.hasNext());
            ObjectNode row = reader.next();
            assertEquals(json(EXPECTED[3]), row);
            assertFalse(reader.hasNext());
        }
    }
}

package dev.prefloop.core.data.parquet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroup;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 200,000 preference rows in 20 row groups: read lazily, one row group at a time, in a small heap. */
@Tag("slow")
class ParquetStreamingTest {

    static final int ROWS = 200_000;
    static final int ROWS_PER_GROUP = 10_000;
    static final String PADDING = "lorem ipsum dolor sit amet ".repeat(6);

    static final MessageType SCHEMA = ParquetFixtures.schema("""
            message schema {
              optional binary id (STRING);
              optional binary prompt (STRING);
              optional binary chosen (STRING);
              optional binary rejected (STRING);
              optional group chosen_ids (LIST) { repeated group list { optional int64 element; } }
            }
            """);

    @TempDir static Path dir;
    static Path file;

    @BeforeAll
    static void writeFile() {
        file = dir.resolve("train-00000-of-00001.parquet");
        List<Group> rows = new ArrayList<>(ROWS);
        for (int i = 0; i < ROWS; i++) {
            Group row = new SimpleGroup(SCHEMA);
            row.append("id", "r" + i).append("prompt", "prompt " + i + " " + PADDING)
                    .append("chosen", "good answer " + i).append("rejected", "bad answer " + i);
            row.addGroup("chosen_ids").addGroup("list").append("element", (long) i);
            rows.add(row);
        }
        ParquetFixtures.write(file, SCHEMA, CompressionCodecName.ZSTD, ROWS_PER_GROUP, rows);
    }

    @Test
    void readsOneRowGroupAtATimeAndNeverAhead() {
        int count = 0;
        try (ParquetRecordReader reader = new ParquetRecordReader(file)) {
            assertEquals(0, reader.rowGroupsLoaded(), "opening reads only the footer");
            while (reader.hasNext()) {
                ObjectNode row = reader.next();
                assertEquals(count / ROWS_PER_GROUP + 1, reader.rowGroupsLoaded(), "row group loaded only when needed");
                if (count % 9_999 == 0) {
                    assertEquals("r" + count, row.get("id").asText());
                    assertEquals(count, row.get("chosen_ids").get(0).asLong());
                }
                count++;
            }
        }
        assertEquals(ROWS, count);
    }

    /** The rows' text alone is larger than the child JVM's whole heap, so only streaming gets through. */
    @Test
    void streamsThroughAHeapSmallerThanTheData() throws IOException, InterruptedException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process child = new ProcessBuilder(
                        Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx32m", "-cp", classpath, Child.class.getName(), file.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, child.exitValue(), output);
        String result = output.lines().filter(l -> l.startsWith("RESULT ")).findFirst().orElseThrow(() -> new AssertionError(output));
        String[] parts = result.split(" ");
        assertEquals(ROWS, Long.parseLong(parts[1]));
        assertTrue(Long.parseLong(parts[2]) > 32L * 1024 * 1024, "the rows' JSON is bigger than the heap: " + result);
    }

    /** Runs in the child JVM: reads every row and prints the row count and total JSON length. */
    public static final class Child {
        public static void main(String[] args) {
            ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                    .setLevel(ch.qos.logback.classic.Level.WARN);
            long rows = 0;
            long chars = 0;
            try (ParquetRecordReader reader = new ParquetRecordReader(Path.of(args[0]))) {
                while (reader.hasNext()) {
                    chars += reader.next().toString().length();
                    rows++;
                }
            }
            System.out.println("RESULT " + rows + " " + chars + " " + Runtime.getRuntime().maxMemory());
        }
    }
}

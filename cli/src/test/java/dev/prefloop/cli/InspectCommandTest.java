package dev.prefloop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prefloop.core.data.JsonCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectCommandTest {

    @TempDir
    Path tmp;

    @Test
    void reportsKindSchemaLengthsAndSamples() throws IOException {
        CliRun r = CliRun.of("inspect", "src/test/resources/mixed-preferences.jsonl", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode rep = JsonCodec.mapper().readTree(r.out());
        assertEquals(6, rep.get("records").asInt());
        assertEquals(6, rep.get("kinds").get("preference").asInt());
        assertEquals("mixed standard and conversational, with token ids", rep.get("shape").asText());
        assertEquals(3, rep.get("samples").size());
        assertEquals(5, rep.get("lengths").get("chosen").get("count").asInt());
        assertEquals(2, rep.get("schema").get("meta").get("present").asInt());

        CliRun text = CliRun.of("inspect", "src/test/resources/mixed-preferences.jsonl");
        assertTrue(text.out().contains("kind      preference 6"), text.out());
        assertTrue(text.out().contains("problems  0 error(s), 0 warning(s)"), text.out());
    }

    @Test
    void listsEveryProblemAndExitsWith3() throws IOException {
        Path in = tmp.resolve("bad.jsonl");
        Files.writeString(in, "{\"chosen\":\"a\",\"rejected\":\"a\"}\n{broken\n{\"chosen\":\"\",\"rejected\":\"b\"}\n"
                + "{\"chosen\":\"x\",\"rejected\":\"y\"}\n");
        CliRun r = CliRun.of("inspect", in.toString());
        assertEquals(3, r.code());
        assertTrue(r.out().contains("records   3 in 1 shard(s)"), r.out());
        assertTrue(r.out().contains("problems  2 error(s), 1 warning(s)"), r.out());
        assertTrue(r.out().contains(in + ", line 2, column"), r.out());
        assertTrue(r.out().contains(in + ", line 3, field \"chosen\": expected a non-empty string"), r.out());
    }
}

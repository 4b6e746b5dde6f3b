package dev.prefloop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prefloop.core.data.JsonCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConvertCommandTest {

    @TempDir
    Path tmp;

    private static final Path MIXED = Path.of("src/test/resources/mixed-preferences.jsonl");

    private static List<String> normalisedLines(Path jsonl) throws IOException {
        List<String> out = new ArrayList<>();
        for (String l : Files.readAllLines(jsonl, StandardCharsets.UTF_8)) {
            out.add(JsonCodec.mapper().writeValueAsString(JsonCodec.mapper().readTree(l)));
        }
        return out;
    }

    @Test
    void jsonlToArrowToJsonlIsRecordForRecord() throws IOException {
        Path arrow = tmp.resolve("arrow");
        Path back = tmp.resolve("back");
        CliRun a = CliRun.of("convert", MIXED.toString(), "--out", arrow.toString(), "--json");
        assertEquals(0, a.code(), a.err());
        JsonNode summary = JsonCodec.mapper().readTree(a.out());
        assertEquals("done", summary.get("status").asText());
        assertEquals("preference", summary.get("kind").asText());
        assertEquals(6, summary.get("records").asInt());
        assertTrue(Files.exists(arrow.resolve("part-00000.arrow")));
        assertTrue(Files.exists(arrow.resolve("_manifest.json")));

        CliRun b = CliRun.of("convert", arrow.toString(), "--out", back.toString(), "--format", "jsonl");
        assertEquals(0, b.code(), b.err());
        assertEquals(normalisedLines(MIXED), normalisedLines(back.resolve("part-00000.jsonl")));
        // byte for byte too: non-ASCII and emoji as UTF-8, escapes as JSON requires
        String text = Files.readString(back.resolve("part-00000.jsonl"));
        assertTrue(text.contains("こんにちは！") && text.contains("👋") && text.contains("\\t") && text.contains("\\\""));
    }

    @Test
    void rerunIsANoOpAndForceRedoes() throws IOException {
        Path out = tmp.resolve("o");
        assertEquals(0, CliRun.of("convert", MIXED.toString(), "--out", out.toString()).code());
        long before = Files.getLastModifiedTime(out.resolve("_manifest.json")).toMillis();
        CliRun again = CliRun.of("convert", MIXED.toString(), "--out", out.toString(), "--json");
        assertEquals(0, again.code());
        assertEquals("up-to-date", JsonCodec.mapper().readTree(again.out()).get("status").asText());
        assertEquals(before, Files.getLastModifiedTime(out.resolve("_manifest.json")).toMillis());

        CliRun other = CliRun.of("convert", MIXED.toString(), "--out", out.toString(), "--format", "jsonl");
        assertEquals(2, other.code());
        assertTrue(other.err().contains("already holds output of a different run"), other.err());
        CliRun forced = CliRun.of("convert", MIXED.toString(), "--out", out.toString(), "--format", "jsonl", "--force");
        assertEquals(0, forced.code(), forced.err());
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of("_manifest.json", "part-00000.jsonl"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void slicesPartitionTheInputAndShareADirectory() throws IOException {
        Path out = tmp.resolve("sliced");
        for (int i = 0; i < 3; i++) {
            assertEquals(0, CliRun.of("convert", MIXED.toString(), "--out", out.toString(), "--format", "jsonl",
                    "--shard", i + "/3").code());
        }
        List<String> all = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            all.addAll(normalisedLines(out.resolve("part-shard-" + i + "-of-3-00000.jsonl")));
            assertTrue(Files.exists(out.resolve("_manifest.shard-" + i + "-of-3.json")));
        }
        List<String> expected = normalisedLines(MIXED);
        assertEquals(expected.size(), all.size());
        assertTrue(all.containsAll(expected));
        CliRun whole = CliRun.of("convert", out.toString(), "--out", tmp.resolve("merged").toString(), "--json");
        assertEquals(6, JsonCodec.mapper().readTree(whole.out()).get("records").asInt());
    }

    @Test
    void recordsPerShardSplitsTheOutput() throws IOException {
        Path out = tmp.resolve("split");
        assertEquals(0, CliRun.of("convert", MIXED.toString(), "--out", out.toString(), "--records-per-shard", "4",
                "--format", "jsonl.gz").code());
        assertTrue(Files.exists(out.resolve("part-00000.jsonl.gz")));
        assertTrue(Files.exists(out.resolve("part-00001.jsonl.gz")));
    }

    @Test
    void chosenEqualToRejectedIsCountedAsAWarning() throws IOException {
        Path in = tmp.resolve("same.jsonl");
        Files.writeString(in, "{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"a\"}\n{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\"}\n");
        CliRun r = CliRun.of("convert", in.toString(), "--out", tmp.resolve("o").toString(), "--json");
        assertEquals(0, r.code());
        assertEquals(1, JsonCodec.mapper().readTree(r.out()).get("warnings")
                .get("chosen equals rejected: the pair carries no preference").asInt());
    }

    static Stream<Arguments> badInputs() {
        String ok = "{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\"}\n";
        return Stream.of(
                Arguments.of("malformed.jsonl", ok + "{\"prompt\": \"p\", \"chosen\": \n", "malformed.jsonl, line 2, column"),
                Arguments.of("missing.jsonl", ok + "{\"prompt\":\"p\",\"chosen\":\"a\"}\n",
                        "missing.jsonl, line 2, field \"rejected\": missing"),
                Arguments.of("wrongtype.jsonl", ok + "{\"prompt\":\"p\",\"chosen\":[1,2],\"rejected\":\"b\"}\n",
                        "wrongtype.jsonl, line 2, field \"chosen\": message 0: expected an object {role, content}"),
                Arguments.of("empty-chosen.jsonl", ok + ok + "{\"prompt\":\"p\",\"chosen\":\"\",\"rejected\":\"b\"}\n",
                        "empty-chosen.jsonl, line 3, field \"chosen\": expected a non-empty string"),
                Arguments.of("empty-rejected.jsonl", "{\"prompt\":\"p\",\"chosen\":[{\"role\":\"assistant\",\"content\":\"a\"}],\"rejected\":[]}\n",
                        "empty-rejected.jsonl, line 1, field \"rejected\": expected a non-empty message list"),
                Arguments.of("not-object.jsonl", ok + "\"just a string\"\n", "not-object.jsonl, line 2: expected a JSON object, got string"),
                Arguments.of("unknown.jsonl", "{\"text\": \"hello\"}\n", "unknown.jsonl, line 1: the record has none of the fields"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void badInputFailsWithExitCode3AndLeavesNoOutput(String name, String content, String message) throws IOException {
        Path in = tmp.resolve(name);
        Files.writeString(in, content);
        Path out = tmp.resolve("out-" + name);
        CliRun r = CliRun.of("convert", in.toString(), "--out", out.toString());
        assertEquals(3, r.code(), r.err());
        assertTrue(r.err().contains("convert: error: " + tmp.resolve(message.split(",|:")[0]).getParent().resolve(message)),
                "stderr was: " + r.err());
        assertFalse(Files.exists(out), "no output directory may be left behind");
    }

    @Test
    void truncatedGzipFailsWithExitCode3AndLeavesNoOutputInAnExistingDirectory() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(b)) {
            for (int i = 0; i < 3000; i++) {
                gz.write(("{\"prompt\":\"p" + i + "\",\"chosen\":\"a\",\"rejected\":\"b\"}\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[] bytes = b.toByteArray();
        Path in = tmp.resolve("cut.jsonl.gz");
        Files.write(in, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        Path out = tmp.resolve("existing");
        Files.createDirectories(out);
        Files.writeString(out.resolve("notes.txt"), "mine");
        CliRun r = CliRun.of("convert", in.toString(), "--out", out.toString());
        assertEquals(3, r.code());
        assertTrue(r.err().contains(in + ", line ") && r.err().contains("gzip stream ends early"), r.err());
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of("notes.txt"), files.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void usageErrorsExitWith2() {
        assertEquals(2, CliRun.of("convert", "x.jsonl").code());
        CliRun fmt = CliRun.of("convert", MIXED.toString(), "--out", tmp.resolve("o").toString(), "--format", "csv");
        assertEquals(2, fmt.code());
        assertTrue(fmt.err().contains("--format csv: expected arrow, jsonl or jsonl.gz"), fmt.err());
        CliRun missing = CliRun.of("convert", tmp.resolve("none.jsonl").toString(), "--out", tmp.resolve("o").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("no such file or directory"), missing.err());
        assertEquals(2, CliRun.of("convert", MIXED.toString(), "--out", "o", "--shard", "3/3").code());
        assertFalse(Files.exists(tmp.resolve("o")));
    }

    @Test
    void kindAnyConvertsOtherData() throws IOException {
        Path in = tmp.resolve("text.jsonl");
        Files.writeString(in, "{\"text\": \"hello\"}\n");
        assertEquals(0, CliRun.of("convert", in.toString(), "--out", tmp.resolve("o").toString(), "--kind", "any").code());
    }
}

package dev.prefloop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** prefloop merge from the command line: summary, the merged model scoring, rerun, exit codes, no partial output. */
class MergeCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path RESOURCES = Path.of("../engines/djl/src/test/resources").toAbsolutePath().normalize();
    private static final Path BASE = RESOURCES.resolve("hf-parity/llama-gqa-bf16");
    private static final Path ADAPTER = RESOURCES.resolve("lora/peft-llama-gqa");

    @TempDir
    Path tmp;

    @Test
    void mergesThenScoresAsBasePlusAdapterAndRerunsAsANoOp() throws Exception {
        Path out = tmp.resolve("merged");
        CliRun merge = CliRun.of("merge", "--model", BASE.toString(), "--adapter", ADAPTER.toString(), "--out",
                out.toString(), "--dtype", "float32", "--json");
        assertEquals(0, merge.code(), merge.err());
        JsonNode s = JSON.readTree(merge.out());
        assertEquals("done", s.get("status").asText());
        assertEquals(14, s.get("modules_merged").asInt());
        assertEquals("[\"F32\"]", s.get("dtypes").toString());
        assertEquals("[\"model.safetensors\"]", s.get("files").toString());
        assertTrue(Files.isRegularFile(out.resolve("prefloop_manifest.json")));

        // score under the merged model equals score under base + adapter
        Path data = tmp.resolve("pairs.jsonl");
        Files.writeString(data, "{\"id\": \"a\", \"prompt_ids\": [1, 17, 40], \"chosen_ids\": [5, 6, 2],"
                + " \"rejected_ids\": [7, 2]}\n");
        CliRun merged = CliRun.of("score", "--model", out.toString(), "--in", data.toString(), "--out",
                tmp.resolve("s1").toString(), "--format", "jsonl", "--json");
        CliRun adapted = CliRun.of("score", "--model", BASE.toString(), "--adapter", ADAPTER.toString(), "--in",
                data.toString(), "--out", tmp.resolve("s2").toString(), "--format", "jsonl", "--json");
        assertEquals(0, merged.code(), merged.err());
        assertEquals(0, adapted.code(), adapted.err());
        JsonNode a = firstRecord(tmp.resolve("s1"), merged);
        JsonNode b = firstRecord(tmp.resolve("s2"), adapted);
        assertEquals(a.get("chosen_logps").asDouble(), b.get("chosen_logps").asDouble(), 1e-4);
        assertEquals(a.get("rejected_logps").asDouble(), b.get("rejected_logps").asDouble(), 1e-4);

        CliRun again = CliRun.of("merge", "--model", BASE.toString(), "--adapter", ADAPTER.toString(), "--out",
                out.toString(), "--dtype", "float32", "--json");
        assertEquals("up-to-date", JSON.readTree(again.out()).get("status").asText());
        CliRun other = CliRun.of("merge", "--model", BASE.toString(), "--adapter", ADAPTER.toString(), "--out",
                out.toString());
        assertEquals(2, other.code(), "another dtype is another merge: " + other.err());
        assertTrue(other.err().contains("--force"), other.err());
    }

    @Test
    void badInputGivesExitCodesAndNoOutput() throws Exception {
        Path out = tmp.resolve("out");
        CliRun noAdapter = CliRun.of("merge", "--model", BASE.toString(), "--adapter", tmp.toString(), "--out",
                out.toString());
        assertEquals(4, noAdapter.code(), noAdapter.err());
        assertTrue(noAdapter.err().contains("adapter_config.json"), noAdapter.err());

        CliRun otherModel = CliRun.of("merge", "--model", RESOURCES.resolve("hf-parity/mistral-sliding-window")
                .toString(), "--adapter", ADAPTER.toString(), "--out", out.toString());
        assertEquals(4, otherModel.code(), otherModel.err());
        assertTrue(otherModel.err().contains("on --model") && otherModel.err().contains("lora_B"), otherModel.err());

        CliRun dtype = CliRun.of("merge", "--model", BASE.toString(), "--adapter", ADAPTER.toString(), "--out",
                out.toString(), "--dtype", "int8");
        assertEquals(2, dtype.code(), dtype.err());
        CliRun size = CliRun.of("merge", "--model", BASE.toString(), "--adapter", ADAPTER.toString(), "--out",
                out.toString(), "--max-shard-size", "lots");
        assertEquals(2, size.code(), size.err());
        CliRun missing = CliRun.of("merge", "--model", BASE.toString(), "--out", out.toString());
        assertEquals(2, missing.code(), missing.err());
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(List.of(), files.toList(), "no output and no temporary directory");
        }
        assertFalse(Files.exists(out));
    }

    @Test
    void helpDescribesTheVerb() {
        assertTrue(CliRun.of("--help").out().contains("merge"));
        CliRun help = CliRun.of("merge", "--help");
        for (String text : List.of("--model", "--adapter", "--out", "--dtype", "bfloat16", "--max-shard-size",
                "--force", "--json", "modules_to_save", "DoRA", "merge_and_unload")) {
            assertTrue(help.out().contains(text), text);
        }
    }

    private static JsonNode firstRecord(Path dir, CliRun run) throws Exception {
        String shard = JSON.readTree(run.out()).get("shards").get(0).asText();
        return JSON.readTree(Files.readAllLines(dir.resolve(shard)).get(0));
    }
}

package dev.prefloop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prefloop.core.data.JsonCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** prefloop sample through the command line: a PILAF run with its summary, the record fields, and bad input. */
@Tag("slow")
class SampleCommandTest {

    @TempDir
    static Path shared;

    @TempDir
    Path dir;

    static Path policy;
    static Path ref;

    @BeforeAll
    static void models() {
        policy = shared.resolve("policy");
        ref = shared.resolve("ref");
        assertEquals(0, CliRun.of("init", "--preset", "tiny", "--out", policy.toString(), "--seed", "1").code());
        assertEquals(0, CliRun.of("init", "--preset", "tiny", "--out", ref.toString(), "--seed", "2").code());
    }

    @Test
    void pilafWritesCandidatesAndAJsonSummary() throws Exception {
        Path prompts = dir.resolve("p.jsonl");
        Files.writeString(prompts, "{\"id\":\"a\",\"prompt\":\"1+1=\"}\n{\"id\":\"b\",\"prompt\":[{\"role\":\"user\","
                + "\"content\":\"2+2=\"}]}\n{\"id\":\"c\",\"prompt\":\"3+3=\"}\n");
        Path out = dir.resolve("cand");
        CliRun r = CliRun.of("sample", "--model", policy.toString(), "--ref", ref.toString(), "--prompts",
                prompts.toString(), "--scheme", "pilaf", "--out", out.toString(), "--max-new-tokens", "5",
                "--temperature", "0.7", "--top-p", "0.95", "--format", "jsonl", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode summary = JsonCodec.mapper().readTree(r.out().strip());
        assertEquals("done", summary.get("status").asText());
        assertEquals(3, summary.get("prompts").asInt());
        assertEquals(6, summary.get("responses").asInt());
        JsonNode manifest = JsonCodec.mapper().readTree(out.resolve("_manifest.json").toFile());
        assertEquals("sample", manifest.get("verb").asText());
        assertEquals("pilaf", manifest.get("options").get("scheme").asText());
        assertTrue(manifest.get("models").size() > 0);
        CliRun again = CliRun.of("sample", "--model", policy.toString(), "--ref", ref.toString(), "--prompts",
                prompts.toString(), "--scheme", "pilaf", "--out", out.toString(), "--max-new-tokens", "5",
                "--temperature", "0.7", "--top-p", "0.95", "--format", "jsonl", "--json");
        assertEquals("up-to-date", JsonCodec.mapper().readTree(again.out().strip()).get("status").asText());
    }

    @Test
    void badPromptsExitThreeWithoutOutput() throws Exception {
        Path prompts = dir.resolve("bad.jsonl");
        Files.writeString(prompts, "{\"id\":\"a\",\"prompt\":\"ok\"}\n{\"id\":\"b\",\"question\":\"no prompt\"}\n");
        Path out = dir.resolve("cand");
        CliRun r = CliRun.of("sample", "--model", policy.toString(), "--prompts", prompts.toString(), "--out",
                out.toString(), "--max-new-tokens", "3");
        assertEquals(3, r.code(), r.err());
        assertTrue(r.err().contains("bad.jsonl") && r.err().contains("no prompt"), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void schemesThatNeedAReferenceSayItWithExitTwo() throws Exception {
        Path prompts = dir.resolve("p.jsonl");
        Files.writeString(prompts, "{\"id\":\"a\",\"prompt\":\"1+1=\"}\n");
        Path out = dir.resolve("cand");
        CliRun r = CliRun.of("sample", "--model", policy.toString(), "--prompts", prompts.toString(), "--out",
                out.toString(), "--scheme", "best-of-n");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--scheme best-of-n needs --ref"), r.err());
        assertFalse(Files.exists(out));
    }
}

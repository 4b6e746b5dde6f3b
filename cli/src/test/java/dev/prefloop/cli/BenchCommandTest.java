package dev.prefloop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** prefloop bench: usage errors and their exit codes, a model error, and a small run's JSON summary. */
class BenchCommandTest {

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cl = Prefloop.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void anUnknownBenchmarkOrPresetIsAUsageError() {
        Run r = run("bench", "warp-drive");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown benchmark \"warp-drive\" (known: logps, dpo-step, decode, pilaf-decode, matmul)"),
                r.err());
        r = run("bench", "--preset", "huge");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--preset huge: expected tiny, small or base"), r.err());
        r = run("bench", "--batch", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--batch must be at least 1, got 0"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void aMissingModelDirectoryIsAUsageErrorAndOneWithoutConfigAModelError(@TempDir Path dir) throws Exception {
        Run r = run("bench", "--model", dir.resolve("nope").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("nope: not a directory"), r.err());
        Files.writeString(dir.resolve("README"), "not a model");
        r = run("bench", "logps", "--model", dir.toString());
        assertEquals(4, r.code());
        assertTrue(r.err().contains("no config.json"), r.err());
        assertEquals("", r.out());
    }

    @Test
    @Tag("slow")
    void aSmallRunPrintsEveryBenchmarkAsJson() throws Exception {
        Run r = run("bench", "-B", "2", "-P", "6", "-R", "4", "-G", "3", "--steps", "1", "--warmup", "0", "--runs", "1",
                "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode summary = new ObjectMapper().readTree(r.out());
        JsonNode results = summary.get("results");
        assertEquals(List.of("logps", "dpo-step", "decode", "pilaf-decode", "matmul"),
                List.of(results.get(0).get("bench").asText(), results.get(1).get("bench").asText(),
                        results.get(2).get("bench").asText(), results.get(3).get("bench").asText(),
                        results.get(4).get("bench").asText()));
        assertEquals(0.693147, results.get(1).get("loss_first").asDouble(), 1e-6, "DPO starts at ln 2 (policy = reference)");
        assertTrue(results.get(2).get("tokens_per_s").asDouble() > 0);
        assertTrue(results.get(3).has("cost_vs_decode"));
        assertEquals("random:tiny:seed0", summary.get("setup").get("model").asText());
    }
}

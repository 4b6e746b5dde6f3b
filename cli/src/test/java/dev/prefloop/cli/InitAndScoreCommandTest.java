package dev.prefloop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** prefloop init and score from the command line: exit codes, stderr messages, --json, no partial output. */
class InitAndScoreCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** Exit code, stdout and stderr of one run. */
    record Run(int code, String out, String err) {}

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
    void initThenScoreEndToEnd() throws Exception {
        Path model = tmp.resolve("tiny");
        Run init = run("init", "--preset", "tiny", "--out", model.toString(), "--seed", "3", "--json");
        assertEquals(0, init.code(), init.err());
        JsonNode summary = JSON.readTree(init.out());
        assertEquals("done", summary.get("status").asText());
        assertEquals(4_999_424, summary.get("parameters").asLong());
        Run again = run("init", "--preset", "tiny", "--out", model.toString(), "--seed", "3", "--json");
        assertEquals("up-to-date", JSON.readTree(again.out()).get("status").asText());
        Run other = run("init", "--preset", "tiny", "--out", model.toString(), "--seed", "4");
        assertEquals(2, other.code());
        assertTrue(other.err().contains("--force"), other.err());

        Path data = tmp.resolve("pairs.jsonl");
        Files.writeString(data, String.join("\n", List.of(
                "{\"id\": \"a\", \"prompt_ids\": [1, 17, 4000], \"chosen_ids\": [5, 6, 2], \"rejected_ids\": [7, 2]}",
                "{\"id\": \"b\", \"prompt_ids\": [1, 9], \"chosen_ids\": [300], \"rejected_ids\": [301, 302, 303, 2]}"))
                + "\n");
        Path out = tmp.resolve("scored");
        Run score = run("score", "--model", model.toString(), "--in", data.toString(), "--out", out.toString(),
                "--as-ref", "--format", "jsonl", "--json");
        assertEquals(0, score.code(), score.err());
        JsonNode s = JSON.readTree(score.out());
        assertEquals(2, s.get("records").asLong());
        assertEquals(4, s.get("sequences").asLong());
        assertEquals(20, s.get("tokens").asLong()); // prompt + completion tokens of the four sequences
        List<String> lines = Files.readAllLines(out.resolve(s.get("shards").get(0).asText()));
        JsonNode first = JSON.readTree(lines.get(0));
        assertEquals("a", first.get("id").asText());
        // a random model spreads its mass over 4096 tokens: about ln(1/4096) = -8.3 per token
        assertEquals(-8.3 * 3, first.get("ref_chosen_logps").asDouble(), 3.0);
        assertTrue(Files.isRegularFile(out.resolve("_manifest.json")));

        Run rerun = run("score", "--model", model.toString(), "--in", data.toString(), "--out", out.toString(),
                "--as-ref", "--format", "jsonl", "--json");
        assertEquals("up-to-date", JSON.readTree(rerun.out()).get("status").asText());
    }

    @Test
    void badInputGivesExitCodesAndNoOutput() throws Exception {
        Path model = tmp.resolve("m");
        assertEquals(0, run("init", "--config", Path.of(getClass().getResource("/tiny-config.json").toURI()).toString(),
                "--out", model.toString()).code());
        Path data = tmp.resolve("bad.jsonl");
        Files.writeString(data, "{\"prompt_ids\": [1], \"completion_ids\": [2]}\n"
                + "{\"prompt_ids\": [1], \"completion_ids\": [2, 999]}\n");
        Path out = tmp.resolve("out");
        Run bad = run("score", "--model", model.toString(), "--in", data.toString(), "--out", out.toString());
        assertEquals(3, bad.code(), bad.err());
        assertTrue(bad.err().contains("bad.jsonl, line 2, field completion_ids[1]: token id 999"), bad.err());
        assertFalse(Files.exists(out), "no partial output");

        Run text = run("score", "--model", model.toString(), "--in", data.toString(), "--out", out.toString(),
                "--dtype", "bfloat16");
        assertEquals(2, text.code(), text.err());
        Run noModel = run("score", "--model", tmp.resolve("none").toString(), "--in", data.toString(), "--out",
                out.toString());
        assertEquals(4, noModel.code(), noModel.err());
        assertTrue(noModel.err().contains("no config.json"), noModel.err());
        assertFalse(Files.exists(out));

        Run both = run("init", "--preset", "tiny", "--config", "x.json", "--out", tmp.resolve("x").toString());
        assertEquals(2, both.code());
        assertTrue(both.err().contains("exactly one of --preset and --config"), both.err());
        Run preset = run("init", "--preset", "huge", "--out", tmp.resolve("x").toString());
        assertEquals(2, preset.code());
        assertFalse(Files.exists(tmp.resolve("x")));
    }

    @Test
    void helpDescribesBothVerbs() {
        Run help = run("--help");
        assertTrue(help.out().contains("init") && help.out().contains("score"), help.out());
        Run score = run("score", "--help");
        for (String option : List.of("--model", "--in", "--out", "--per-token", "--as-ref", "--batch-size",
                "--max-tokens-per-batch", "--device", "--dtype", "--shard", "--json", "--force", "chosen_logps",
                "--max-prompt-tokens", "--max-completion-tokens", "--chat-template-kwargs", "--now")) {
            assertTrue(score.out().contains(option), option);
        }
        Run init = run("init", "--help");
        for (String option : List.of("--preset", "--config", "--out", "--seed", "--model-type", "--tie", "--force")) {
            assertTrue(init.out().contains(option), option);
        }
    }

    @Test
    void scoreTokenizesTextRecordsWithTheModelsTokenizer() throws Exception {
        Path model = tmp.resolve("tiny");
        assertEquals(0, run("init", "--preset", "tiny", "--out", model.toString()).code());
        Path data = tmp.resolve("text.jsonl");
        Files.writeString(data, "{\"id\": \"a\", \"prompt\": [{\"role\": \"user\", \"content\": \"2 + 2?\"}],"
                + " \"chosen\": [{\"role\": \"assistant\", \"content\": \"4\"}], \"rejected\": [{\"role\":"
                + " \"assistant\", \"content\": \"5\"}]}\n");
        Path out = tmp.resolve("scored");
        Run score = run("score", "--model", model.toString(), "--in", data.toString(), "--out", out.toString(),
                "--as-ref", "--max-prompt-tokens", "4", "--format", "jsonl", "--json");
        assertEquals(0, score.code(), score.err());
        JsonNode s = JSON.readTree(score.out());
        assertEquals(1, s.get("tokenized").get("prompts_truncated").asLong(), score.out());
        JsonNode first = JSON.readTree(Files.readAllLines(out.resolve(s.get("shards").get(0).asText())).get(0));
        assertTrue(first.get("ref_chosen_logps").asDouble() < 0, first.toString());

        Run badKwargs = run("score", "--model", model.toString(), "--in", data.toString(), "--out",
                tmp.resolve("x").toString(), "--chat-template-kwargs", "[1]");
        assertEquals(2, badKwargs.code(), badKwargs.err());
        assertTrue(badKwargs.err().contains("--chat-template-kwargs"), badKwargs.err());
        assertFalse(Files.exists(tmp.resolve("x")));
    }
}

package dev.prefloop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.judge.Scripts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class LabelCommandTest {

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    static Run prefloop(String... args) {
        CommandLine cl = Prefloop.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private Path candidates(String... lines) throws Exception {
        Path p = dir.resolve("cand.jsonl");
        Files.writeString(p, String.join("\n", lines) + "\n");
        return p;
    }

    @Test
    void labelsWithAnExecJudgeAndPrintsAJsonSummary() throws Exception {
        String judge = "exec:" + Scripts.longerWins(dir, dir.resolve("log"), dir.resolve("starts"));
        Path in = candidates("{\"id\":\"a\",\"prompt\":\"p\",\"completions\":[\"short\",\"much longer\"]}",
                "{\"id\":\"b\",\"prompt\":\"p\",\"completions\":[\"same\",\"same\"]}");
        Path out = dir.resolve("pairs");
        Run r = prefloop("label", "--judge", judge, "--in", in.toString(), "--out", out.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode summary = JsonCodec.mapper().readTree(r.out().strip());
        assertEquals("done", summary.get("status").asText());
        assertEquals(1, summary.get("pairs").asInt());
        assertEquals(1, summary.get("ties_skipped").asInt());
        assertEquals(4, summary.get("judge_requests").asInt());
        assertTrue(Files.exists(out.resolve("_manifest.json")));
        Run again = prefloop("label", "--judge", judge, "--in", in.toString(), "--out", out.toString(), "--json");
        assertEquals("up-to-date", JsonCodec.mapper().readTree(again.out().strip()).get("status").asText());
    }

    @Test
    void badCandidatesExitThreeWithoutOutput() throws Exception {
        String judge = "exec:" + Scripts.longerWins(dir, dir.resolve("log"), dir.resolve("starts"));
        Path in = candidates("{\"id\":\"a\",\"prompt\":\"p\",\"completions\":[\"one\"]}");
        Path out = dir.resolve("pairs");
        Run r = prefloop("label", "--judge", judge, "--in", in.toString(), "--out", out.toString());
        assertEquals(3, r.code());
        assertTrue(r.err().contains("label: error: ") && r.err().contains("cand.jsonl, line 1, field \"completions\""), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void judgeFailureExitsOneAndLeavesNoVisibleOutput() throws Exception {
        String judge = "exec:" + Scripts.python(dir, "crash.py", "sys.stdin.readline()\nprint('no gpu', file=sys.stderr)\nsys.exit(2)\n");
        Path in = candidates("{\"id\":\"a\",\"prompt\":\"p\",\"completions\":[\"x\",\"yy\"]}");
        Path out = dir.resolve("pairs");
        Run r = prefloop("label", "--judge", judge, "--in", in.toString(), "--out", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("exit status 2") && r.err().contains("no gpu") && r.err().contains("'a/0-1'"), r.err());
        assertFalse(r.err().contains("this is unexpected"), r.err());
        assertFalse(dev.prefloop.core.output.Manifests.hasVisibleFiles(out));
    }

    @Test
    void usageErrorsExitTwo() throws Exception {
        Path in = candidates("{\"id\":\"a\",\"prompt\":\"p\",\"completions\":[\"x\",\"yy\"]}");
        String out = dir.resolve("pairs").toString();
        Run unknown = prefloop("label", "--judge", "oracle:x", "--in", in.toString(), "--out", out);
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("unknown judge kind 'oracle'") && unknown.err().contains("rm-http:"), unknown.err());
        Run noModel = prefloop("label", "--judge", "http:http://127.0.0.1:9/v1", "--in", in.toString(), "--out", out);
        assertEquals(2, noModel.code());
        assertTrue(noModel.err().contains("--judge-model"), noModel.err());
        Run badMode = prefloop("label", "--judge", "exec:true", "--in", in.toString(), "--out", out, "--mode", "vote");
        assertEquals(2, badMode.code());
        assertTrue(badMode.err().contains("--mode vote: expected argmax or bt-sample"), badMode.err());
        Run badMargin = prefloop("label", "--judge", "exec:true", "--in", in.toString(), "--out", out, "--tie-margin", "0.5");
        assertEquals(2, badMargin.code());
        assertTrue(badMargin.err().contains("--tie-margin 0.5"), badMargin.err());
        assertFalse(Files.exists(dir.resolve("pairs")));
    }

    @Test
    void helpDescribesEveryOption() {
        Run r = prefloop("label", "--help");
        assertEquals(0, r.code());
        for (String o : new String[] {"--judge", "--judge-model", "--judge-api-key-env", "--judge-prompt", "--pairing", "--mode",
                "--tie-margin", "--single-order", "--resume", "--shard", "--json", "--seed"}) {
            assertTrue(r.out().contains(o), o);
        }
    }
}

package dev.prefloop.core.label;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.DatasetLocator;
import dev.prefloop.core.data.DatasetReader;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.data.ShardFormat;
import dev.prefloop.core.data.SliceSpec;
import dev.prefloop.core.error.DataException;
import dev.prefloop.core.judge.JudgeException;
import dev.prefloop.core.judge.JudgeOptions;
import dev.prefloop.core.judge.JudgeRegistry;
import dev.prefloop.core.judge.JudgeSpec;
import dev.prefloop.core.judge.Scripts;
import dev.prefloop.core.output.Manifests;
import dev.prefloop.core.progress.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelServiceTest {

    @TempDir
    Path dir;

    private static JudgeOptions options(boolean pointwise) {
        return new JudgeOptions(null, "OPENAI_API_KEY", null, pointwise, false, Duration.ofSeconds(30), 1, 0,
                Duration.ofMillis(10), null, "auto", "auto", false, Map.of());
    }

    private static LabelSettings settings(Path in, Path out, String judge, boolean pointwise, Pairing pairing, LabelMode mode,
            double tieMargin, boolean bothOrders, boolean resume) {
        return new LabelSettings(in.toString(), out.toString(), ShardFormat.JSONL, JudgeSpec.parse(judge), options(pointwise),
                pairing, mode, tieMargin, bothOrders, 7, 2, SliceSpec.ALL, false, resume);
    }

    private static LabelResult run(LabelSettings s) {
        return new LabelService(Progress.NONE, JudgeRegistry.load()).run(s);
    }

    private Path candidates(String... lines) throws IOException {
        Path p = dir.resolve("cand.jsonl");
        Files.writeString(p, String.join("\n", lines) + "\n");
        return p;
    }

    static List<ObjectNode> read(Path out) {
        List<ObjectNode> rows = new ArrayList<>();
        try (DatasetReader r = new DatasetReader(DatasetLocator.locate(out.toString()), SliceSpec.ALL)) {
            while (r.hasNext()) {
                rows.add(r.next());
            }
        }
        return rows;
    }

    static String cand(String id, String... completions) {
        ObjectNode o = JsonCodec.mapper().createObjectNode();
        o.put("id", id);
        o.put("prompt", "prompt of " + id);
        var c = o.putArray("completions");
        var ci = o.putArray("completions_ids");
        var g = o.putArray("generators");
        for (int i = 0; i < completions.length; i++) {
            c.add(completions[i]);
            ci.addArray().add(100 + i).add(completions[i].length());
            g.add(i == 0 ? "pi" : "ref");
        }
        o.put("scheme", "pilaf");
        o.put("iteration", 2);
        o.put("note", "carried");
        return o.toString();
    }

    @Test
    void pairwiseJudgeBothOrdersWritesPairsWithProvenance() throws Exception {
        Path log = dir.resolve("log");
        String judge = "exec:" + Scripts.longerWins(dir, log, dir.resolve("starts"));
        Path in = candidates(cand("a", "short", "much longer"), cand("b", "longest of all", "tiny"), cand("c", "xx", "yy"));
        Path out = dir.resolve("pairs");
        LabelResult r = run(settings(in, out, judge, false, Pairing.BEST_WORST, LabelMode.ARGMAX, 0, true, false));
        assertEquals(3, r.records());
        assertEquals(2, r.pairs());
        assertEquals(1, r.ties(), "equal lengths: p = 0.5 both ways");
        assertEquals(6, r.asked(), "three pairs, both orders");
        assertEquals(List.of("a/0-1", "a/0-1~swapped", "b/0-1", "b/0-1~swapped", "c/0-1", "c/0-1~swapped"),
                Files.readAllLines(log));
        List<ObjectNode> rows = read(out);
        ObjectNode a = rows.get(0);
        assertEquals("a", a.get("id").asText());
        assertEquals("prompt of a", a.get("prompt").asText());
        assertEquals("much longer", a.get("chosen").asText());
        assertEquals("short", a.get("rejected").asText());
        assertEquals("[101,11]", a.get("chosen_ids").toString());
        assertEquals("[100,5]", a.get("rejected_ids").toString());
        assertEquals(0.9, a.get("p_chosen").asDouble(), 1e-12);
        assertEquals("[0.9,0.9]", a.get("p_chosen_orders").toString());
        assertEquals("both", a.get("judge_orders").asText());
        assertEquals("ref", a.get("generator_chosen").asText());
        assertEquals("pi", a.get("generator_rejected").asText());
        assertEquals("pilaf", a.get("source").asText());
        assertEquals(2, a.get("iteration").asInt());
        assertEquals("carried", a.get("note").asText());
        assertTrue(a.get("judge").asText().startsWith("exec:python3"));
        assertFalse(a.has("completions") || a.has("generators") || a.has("score_chosen"));
        assertEquals("longest of all", rows.get(1).get("chosen").asText());
        JsonNode manifest = JsonCodec.mapper().readTree(out.resolve("_manifest.json").toFile());
        assertEquals(judge, manifest.get("options").get("judge").asText());
        assertEquals(1, manifest.get("counts").get("ties_skipped").asInt());
        assertFalse(Files.exists(VerdictJournal.path(out, SliceSpec.ALL)), "the journal goes once the run is committed");
        // The same run again is a no-op.
        assertTrue(run(settings(in, out, judge, false, Pairing.BEST_WORST, LabelMode.ARGMAX, 0, true, false)).upToDate());
    }

    @Test
    void singleOrderAsksOnce() throws Exception {
        Path log = dir.resolve("log");
        String judge = "exec:" + Scripts.longerWins(dir, log, dir.resolve("starts"));
        LabelResult r = run(settings(candidates(cand("a", "short", "much longer")), dir.resolve("p"), judge, false,
                Pairing.BEST_WORST, LabelMode.ARGMAX, 0, false, false));
        assertEquals(1, r.asked());
        assertEquals(List.of("a/0-1"), Files.readAllLines(log));
        assertEquals("single", read(dir.resolve("p")).get(0).get("judge_orders").asText());
    }

    @Test
    void pointwiseJudgePairsByScore() throws Exception {
        String judge = "exec:" + Scripts.lengthScore(dir, 1.0);
        Path in = candidates(cand("a", "mid..", "longest....", "s"));
        LabelResult bw = run(settings(in, dir.resolve("bw"), judge, true, Pairing.BEST_WORST, LabelMode.ARGMAX, 0, true, false));
        assertEquals(1, bw.pairs());
        ObjectNode p = read(dir.resolve("bw")).get(0);
        assertEquals("longest....", p.get("chosen").asText());
        assertEquals("s", p.get("rejected").asText());
        assertEquals(11.0, p.get("score_chosen").asDouble());
        assertEquals(1.0, p.get("score_rejected").asDouble());
        assertEquals(1 / (1 + Math.exp(-10)), p.get("p_chosen").asDouble(), 1e-12);
        assertEquals("pointwise", p.get("judge_orders").asText());
        assertEquals(1, p.get("chosen_index").asInt());
        assertEquals(2, p.get("rejected_index").asInt());

        LabelResult all = run(settings(in, dir.resolve("all"), judge, true, Pairing.ALL, LabelMode.ARGMAX, 0, true, false));
        assertEquals(3, all.pairs());
        assertEquals(3, all.asked(), "one score per completion, not per pair");
        List<String> ids = read(dir.resolve("all")).stream().map(o -> o.get("id").asText()).toList();
        assertEquals(List.of("a/0-1", "a/0-2", "a/1-2"), ids);

        LabelResult rnd = run(settings(in, dir.resolve("rnd"), judge, true, Pairing.RANDOM, LabelMode.ARGMAX, 0, true, false));
        assertEquals(1, rnd.pairs());
        assertEquals(2, rnd.asked(), "random pairing scores only the two drawn completions");
    }

    @Test
    void pairwiseBestWorstRanksByMeanWinProbability() throws Exception {
        String judge = "exec:" + Scripts.longerWins(dir, dir.resolve("log"), dir.resolve("starts"));
        LabelResult r = run(settings(candidates(cand("a", "mid..", "longest....", "s")), dir.resolve("p"), judge, false,
                Pairing.BEST_WORST, LabelMode.ARGMAX, 0, false, false));
        assertEquals(3, r.asked(), "every pair of three");
        ObjectNode p = read(dir.resolve("p")).get(0);
        assertEquals("longest....", p.get("chosen").asText());
        assertEquals("s", p.get("rejected").asText());
    }

    @Test
    void tieMarginSkipsCloseCalls() throws Exception {
        String judge = "exec:" + Scripts.lengthScore(dir, 0.01);
        // Scores differ by 0.01 * 1: p = sigma(0.01) = 0.5025, inside a 0.01 margin; 0.01 * 400: outside.
        Path in = candidates(cand("a", "ab", "a"), cand("b", "x".repeat(401), "x"));
        LabelResult r = run(settings(in, dir.resolve("p"), judge, true, Pairing.BEST_WORST, LabelMode.ARGMAX, 0.01, true, false));
        assertEquals(1, r.ties());
        assertEquals(1, r.pairs());
        assertEquals("b", read(dir.resolve("p")).get(0).get("id").asText());
    }

    @Test
    void btSampleFollowsTheJudgesProbabilityAndIsSeeded() throws Exception {
        // Every record: scores differ by 1, so the longer completion should be chosen with p = sigma(1) = 0.731.
        int n = 1500;
        String[] lines = new String[n];
        for (int i = 0; i < n; i++) {
            lines[i] = cand("r" + i, "xx", "x");
        }
        Path in = candidates(lines);
        String judge = "exec:" + Scripts.lengthScore(dir, 1.0);
        LabelSettings s = new LabelSettings(in.toString(), dir.resolve("p1").toString(), ShardFormat.JSONL,
                JudgeSpec.parse(judge), options(true), Pairing.BEST_WORST, LabelMode.BT_SAMPLE, 0, true, 11, 256,
                SliceSpec.ALL, false, false);
        LabelResult r = run(s);
        assertEquals(n, r.pairs());
        List<ObjectNode> rows = read(dir.resolve("p1"));
        long longer = rows.stream().filter(o -> o.get("chosen").asText().equals("xx")).count();
        double p = 1 / (1 + Math.exp(-1));
        double sd = Math.sqrt(n * p * (1 - p));
        assertTrue(Math.abs(longer - n * p) < 4 * sd, "chose the better side " + longer + " of " + n + ", expected "
                + n * p + " +- " + 4 * sd);
        for (ObjectNode o : rows) {
            boolean chosenLonger = o.get("chosen").asText().equals("xx");
            assertEquals(chosenLonger ? p : 1 - p, o.get("p_chosen").asDouble(), 1e-12);
            assertEquals("bt-sample", o.get("label_mode").asText());
        }
        // Same seed, other batch size: the same labels; another seed: other labels.
        LabelSettings again = new LabelSettings(in.toString(), dir.resolve("p2").toString(), ShardFormat.JSONL,
                JudgeSpec.parse(judge), options(true), Pairing.BEST_WORST, LabelMode.BT_SAMPLE, 0, true, 11, 7,
                SliceSpec.ALL, false, false);
        run(again);
        assertEquals(chosen(rows), chosen(read(dir.resolve("p2"))));
        LabelSettings other = new LabelSettings(in.toString(), dir.resolve("p3").toString(), ShardFormat.JSONL,
                JudgeSpec.parse(judge), options(true), Pairing.BEST_WORST, LabelMode.BT_SAMPLE, 0, true, 12, 256,
                SliceSpec.ALL, false, false);
        run(other);
        assertNotEquals(chosen(rows), chosen(read(dir.resolve("p3"))));
    }

    private static List<String> chosen(List<ObjectNode> rows) {
        return rows.stream().map(o -> o.get("chosen").asText()).toList();
    }

    @Test
    void resumeDoesNotAskAnsweredRecordsAgain() throws Exception {
        String[] lines = new String[6];
        for (int i = 0; i < 6; i++) {
            lines[i] = cand("r" + i, "long answer " + i, "s" + i);
        }
        Path in = candidates(lines);
        Path out = dir.resolve("pairs");
        // Answers two batches (2 records x 2 orders each), then dies in the third.
        String dying = "exec:" + Scripts.python(dir, "dying.py", """
                n = 0
                for line in sys.stdin:
                    r = json.loads(line)
                    n += 1
                    if n > 8:
                        print('simulated crash', file=sys.stderr)
                        sys.exit(9)
                    print(json.dumps({'id': r['id'], 'p_a': 0.9 if len(r['response_a']) > len(r['response_b']) else 0.1}), flush=True)
                """);
        JudgeException e = assertThrows(JudgeException.class,
                () -> run(settings(in, out, dying, false, Pairing.BEST_WORST, LabelMode.ARGMAX, 0, true, false)));
        assertTrue(e.getMessage().contains("exit status 9") && e.getMessage().contains("simulated crash"), e.getMessage());
        assertTrue(e.getMessage().contains("'r4/0-1'"), e.getMessage());
        assertFalse(Manifests.hasVisibleFiles(out), "no partial output");
        assertTrue(Files.exists(VerdictJournal.path(out, SliceSpec.ALL)), "the journal of the answered batches stays");

        // Journal keys carry the judge's identity (its spec), so the resumed run uses the same spec: the script is
        // fixed in place, and now logs what it is asked.
        Path log = dir.resolve("log");
        Scripts.longerWins(dir, log, dir.resolve("starts"));
        Files.copy(dir.resolve("longer.py"), dir.resolve("dying.py"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        LabelResult r = run(settings(in, out, dying, false, Pairing.BEST_WORST, LabelMode.ARGMAX, 0, true, true));
        assertEquals(8, r.reused());
        assertEquals(4, r.asked());
        assertEquals(List.of("r4/0-1", "r4/0-1~swapped", "r5/0-1", "r5/0-1~swapped"), Files.readAllLines(log));
        assertEquals(6, read(out).size());
        assertFalse(Files.exists(VerdictJournal.path(out, SliceSpec.ALL)));
    }

    @Test
    void withoutResumeAnInterruptedRunStartsAfresh() throws Exception {
        Path in = candidates(cand("r0", "long answer", "s"));
        Path out = dir.resolve("pairs");
        Files.createDirectories(out);
        Files.writeString(VerdictJournal.path(out, SliceSpec.ALL), "{\"k\":\"stale\",\"v\":1.0}\n");
        Path log = dir.resolve("log");
        LabelResult r = run(settings(in, out, "exec:" + Scripts.longerWins(dir, log, dir.resolve("s")), false,
                Pairing.BEST_WORST, LabelMode.ARGMAX, 0, true, false));
        assertEquals(0, r.reused());
        assertEquals(2, r.asked());
    }

    @Test
    void badCandidatesFailBeforeTheJudgeStartsAndLeaveNoOutput() throws Exception {
        Path starts = dir.resolve("starts");
        String judge = "exec:" + Scripts.longerWins(dir, dir.resolve("log"), starts);
        Path out = dir.resolve("pairs");
        String[][] cases = {
            {"{\"id\":\"x\",\"prompt\":\"p\",\"completions\":[\"only one\"]}", "line 2, field \"completions\": expected at least 2"},
            {"{\"id\":\"x\",\"prompt\":\"p\",\"completions\":[\"a\", 3]}", "line 2, field \"completions[1]\""},
            {"{\"id\":\"x\",\"prompt\":\"p\",\"completions\":[\"a\",\"b\"],\"generators\":[\"pi\"]}", "line 2, field \"generators\""},
            {"{\"id\":\"x\",\"completions\":[\"a\",\"b\"]}", "line 2"},
            {"{\"id\":\"r0\",\"prompt\":\"p\",\"completions\":[\"a\",\"b\"]}", "line 2, field \"id\": the id r0 occurs twice"},
            {"{not json", "line 2"},
        };
        for (String[] c : cases) {
            Path in = candidates(cand("r0", "a", "b"), c[0], cand("r2", "a", "b"));
            DataException e = assertThrows(DataException.class,
                    () -> run(settings(in, out, judge, false, Pairing.BEST_WORST, LabelMode.ARGMAX, 0, true, false)), c[0]);
            assertTrue(e.getMessage().contains("cand.jsonl") && e.getMessage().contains(c[1]), e.getMessage());
            assertEquals(3, e.exitCode());
            assertFalse(Files.exists(out), "no output directory for " + c[0]);
        }
        Files.writeString(dir.resolve("empty.jsonl"), "");
        DataException e = assertThrows(DataException.class, () -> run(settings(dir.resolve("empty.jsonl"), out, judge,
                false, Pairing.BEST_WORST, LabelMode.ARGMAX, 0, true, false)));
        assertTrue(e.getMessage().contains("no candidates records"), e.getMessage());
        assertFalse(Files.exists(starts), "the judge was never started");
    }

    @Test
    void shardsLabelTheirSliceWithTheirOwnManifest() throws Exception {
        String judge = "exec:" + Scripts.lengthScore(dir, 1.0);
        Path in = candidates(cand("a", "xx", "x"), cand("b", "yy", "y"), cand("c", "zz", "z"));
        Path out = dir.resolve("pairs");
        for (int i = 0; i < 2; i++) {
            run(new LabelSettings(in.toString(), out.toString(), ShardFormat.JSONL, JudgeSpec.parse(judge), options(true),
                    Pairing.BEST_WORST, LabelMode.ARGMAX, 0, true, 0, 4, new SliceSpec(i, 2), false, false));
        }
        assertTrue(Files.exists(out.resolve("_manifest.shard-0-of-2.json")));
        assertTrue(Files.exists(out.resolve("_manifest.shard-1-of-2.json")));
        assertEquals(List.of("a", "b", "c"), read(out).stream().map(o -> o.get("id").asText()).sorted().toList());
    }

    @Test
    void candidatesWithPromptIdsOnlyAreLabelled() throws Exception {
        String judge = "exec:" + Scripts.lengthScore(dir, 1.0);
        Path in = candidates("{\"id\":\"t\",\"prompt_ids\":[1,2],\"completions\":[\"a\",\"abc\"],\"completions_ids\":[[5],[6,7,8]]}");
        LabelResult r = run(settings(in, dir.resolve("p"), judge, true, Pairing.BEST_WORST, LabelMode.ARGMAX, 0, true, false));
        assertEquals(1, r.pairs());
        ObjectNode p = read(dir.resolve("p")).get(0);
        assertEquals("[1,2]", p.get("prompt_ids").toString());
        assertEquals("[6,7,8]", p.get("chosen_ids").toString());
        assertFalse(p.has("prompt"));
    }

    @Test
    void standardInputIsReadOnceAndLabelled() throws Exception {
        String judge = "exec:" + Scripts.lengthScore(dir, 1.0);
        java.io.InputStream saved = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream((cand("a", "xx", "x") + "\n" + cand("b", "y", "yyy") + "\n")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            LabelResult r = run(new LabelSettings("-", dir.resolve("p").toString(), ShardFormat.JSONL,
                    JudgeSpec.parse(judge), options(true), Pairing.BEST_WORST, LabelMode.ARGMAX, 0, true, 0, 4,
                    SliceSpec.ALL, false, false));
            assertEquals(2, r.records());
            assertEquals(List.of("xx", "yyy"), chosen(read(dir.resolve("p"))));
        } finally {
            System.setIn(saved);
        }
    }

    @Test
    void aJudgeFailingOnTheFirstBatchLeavesNoDirectory() throws Exception {
        String judge = "exec:" + Scripts.python(dir, "crash.py", "sys.stdin.readline()\nsys.exit(1)\n");
        Path out = dir.resolve("pairs");
        assertThrows(JudgeException.class, () -> run(settings(candidates(cand("a", "x", "yy")), out, judge, false,
                Pairing.BEST_WORST, LabelMode.ARGMAX, 0, true, false)));
        assertFalse(Files.exists(out), "nothing was answered, so not even a journal is left");
    }
}

package dev.prefloop.core.judge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.prefloop.core.judge.exec.ExecPairwiseJudge;
import dev.prefloop.core.judge.exec.ExecPointwiseJudge;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecJudgeTest {

    @TempDir
    Path dir;

    static PairRequest pair(String id, String a, String b) {
        return new PairRequest(id, new TextNode("q"), null, Response.text(a), Response.text(b));
    }

    static List<PairRequest> twoPairs() {
        return List.of(pair("r1/0-1", "long answer", "short"), pair("r2/0-1", "x", "yy"));
    }

    private JudgeException failure(String script, List<PairRequest> batch) throws Exception {
        try (ExecPairwiseJudge j = new ExecPairwiseJudge(Scripts.python(dir, "bad.py", script), false, Duration.ofSeconds(20))) {
            return assertThrows(JudgeException.class, () -> j.compare(batch));
        }
    }

    @Test
    void oneLongLivedProcessAnswersEveryBatchInAnyOrder() throws Exception {
        Path log = dir.resolve("log");
        Path starts = dir.resolve("starts");
        try (ExecPairwiseJudge j = new ExecPairwiseJudge(Scripts.longerWins(dir, log, starts), false, Duration.ofSeconds(20))) {
            assertArrayEquals(new double[] {0.9, 0.1}, j.compare(twoPairs()));
            assertArrayEquals(new double[] {0.5}, j.compare(List.of(pair("r3/0-1", "ab", "cd"))));
        }
        assertEquals(1, Files.readAllLines(starts).size(), "one process for the whole run");
        assertEquals(List.of("r1/0-1", "r2/0-1", "r3/0-1"), Files.readAllLines(log));
    }

    @Test
    void perBatchStartsOneProcessPerBatchAndClosesItsInput() throws Exception {
        Path starts = dir.resolve("starts");
        String cmd = Scripts.python(dir, "whole.py", """
                open(%s, 'a').write('x\\n')
                rs = [json.loads(l) for l in sys.stdin.read().splitlines()]
                for r in reversed(rs):
                    print(json.dumps({'id': r['id'], 'p_a': 1.0 if len(r['response_a']) > len(r['response_b']) else 0.0}))
                """.formatted(Scripts.pyStr(starts)));
        try (ExecPairwiseJudge j = new ExecPairwiseJudge(cmd, true, Duration.ofSeconds(20))) {
            assertArrayEquals(new double[] {1.0, 0.0}, j.compare(twoPairs()));
            assertArrayEquals(new double[] {1.0, 0.0}, j.compare(twoPairs()));
        }
        assertEquals(2, Files.readAllLines(starts).size());
    }

    @Test
    void pointwiseScoresComeBackInRequestOrder() throws Exception {
        try (ExecPointwiseJudge j = new ExecPointwiseJudge(Scripts.lengthScore(dir, 0.5), false, Duration.ofSeconds(20))) {
            double[] s = j.score(List.of(new ScoreRequest("a/0", new TextNode("q"), null, Response.text("four")),
                    new ScoreRequest("a/1", new TextNode("q"), null, Response.text("twelve chars"))));
            assertArrayEquals(new double[] {2.0, 6.0}, s);
        }
    }

    @Test
    void requestsCarryTokenIdsWhenKnown() throws Exception {
        String cmd = Scripts.python(dir, "ids.py", """
                for line in sys.stdin:
                    r = json.loads(line)
                    print(json.dumps({'id': r['id'], 'p_a': 1.0 if r['response_a_ids'] == [7, 8] and r['prompt_ids'] == [1] else 0.0}))
                """);
        try (ExecPairwiseJudge j = new ExecPairwiseJudge(cmd, false, Duration.ofSeconds(20))) {
            PairRequest r = new PairRequest("i/0-1", new TextNode("q"), new long[] {1}, new Response("a", new long[] {7, 8}),
                    new Response("b", new long[] {9}));
            assertArrayEquals(new double[] {1.0}, j.compare(List.of(r)));
        }
    }

    @Test
    void slowJudgeTimesOutNamingTheRequest() throws Exception {
        try (ExecPairwiseJudge j = new ExecPairwiseJudge(Scripts.python(dir, "slow.py", "time.sleep(30)\n"), false,
                Duration.ofSeconds(1))) {
            long t0 = System.nanoTime();
            JudgeException e = assertThrows(JudgeException.class, () -> j.compare(twoPairs()));
            assertTrue(e.getMessage().contains("no answer within 1 s"), e.getMessage());
            assertTrue(e.getMessage().contains("'r1/0-1'"), e.getMessage());
            assertTrue((System.nanoTime() - t0) / 1e9 < 15, "the timeout fires, the run does not wait for the script");
        }
    }

    @Test
    void crashIsReportedWithExitStatusAndStderrTail() throws Exception {
        JudgeException e = failure("sys.stdin.readline()\nprint('model weights missing', file=sys.stderr)\nsys.exit(3)\n",
                twoPairs());
        assertTrue(e.getMessage().contains("exit status 3"), e.getMessage());
        assertTrue(e.getMessage().contains("model weights missing"), e.getMessage());
        assertTrue(e.getMessage().contains("'r1/0-1'"), e.getMessage());
    }

    @Test
    void garbageOnStdoutIsAMalformedAnswer() throws Exception {
        JudgeException e = failure("sys.stdin.readline()\nprint('loading model...', flush=True)\ntime.sleep(5)\n", twoPairs());
        assertTrue(e.getMessage().contains("malformed answer on stdout line 1: loading model..."), e.getMessage());
    }

    @Test
    void missingAnswerNamesTheUnansweredRequest() throws Exception {
        JudgeException e = failure("""
                r = json.loads(sys.stdin.readline())
                print(json.dumps({'id': r['id'], 'p_a': 1.0}), flush=True)
                """, twoPairs());
        assertTrue(e.getMessage().contains("closed its output before answering"), e.getMessage());
        assertTrue(e.getMessage().contains("'r2/0-1'"), e.getMessage());
        assertTrue(e.getMessage().contains("exit status 0"), e.getMessage());
    }

    @Test
    void answerForAnUnknownIdIsAnError() throws Exception {
        JudgeException e = failure("sys.stdin.readline()\nprint(json.dumps({'id': 'r9/0-1', 'p_a': 1.0}), flush=True)\n"
                + "time.sleep(5)\n", twoPairs());
        assertTrue(e.getMessage().contains("answered request 'r9/0-1', which was not asked"), e.getMessage());
    }

    @Test
    void answerTwiceIsAnError() throws Exception {
        JudgeException e = failure("r = json.loads(sys.stdin.readline())\nfor _ in range(2):\n"
                + "    print(json.dumps({'id': r['id'], 'p_a': 1.0}), flush=True)\ntime.sleep(5)\n", twoPairs());
        assertTrue(e.getMessage().contains("answered request 'r1/0-1' twice"), e.getMessage());
    }

    @Test
    void answersWithoutANumberOrOutOfRangeAreErrorsNamingTheRequest() throws Exception {
        String noField = "for line in sys.stdin:\n    r = json.loads(line)\n    print(json.dumps({'id': r['id'], 'verdict': 'A'}), flush=True)\n";
        JudgeException e = failure(noField, twoPairs());
        assertTrue(e.getMessage().contains("request 'r1/0-1': expected field \"p_a\""), e.getMessage());
        String outOfRange = "for line in sys.stdin:\n    r = json.loads(line)\n    print(json.dumps({'id': r['id'], 'p_a': 1.5}), flush=True)\n";
        e = failure(outOfRange, twoPairs());
        assertTrue(e.getMessage().contains("must be a probability in [0, 1], got 1.5"), e.getMessage());
        String noId = "sys.stdin.readline()\nprint(json.dumps({'p_a': 1.0}), flush=True)\ntime.sleep(5)\n";
        e = failure(noId, twoPairs());
        assertTrue(e.getMessage().contains("without an id"), e.getMessage());
    }

    @Test
    void nonZeroExitOfAPerBatchProcessIsAnErrorEvenAfterAnswers() throws Exception {
        String cmd = Scripts.python(dir, "exit1.py", """
                for line in sys.stdin:
                    r = json.loads(line)
                    print(json.dumps({'id': r['id'], 'p_a': 1.0}))
                sys.stdout.flush()
                print('cuda out of memory', file=sys.stderr)
                sys.exit(1)
                """);
        try (ExecPairwiseJudge j = new ExecPairwiseJudge(cmd, true, Duration.ofSeconds(20))) {
            JudgeException e = assertThrows(JudgeException.class, () -> j.compare(twoPairs()));
            assertTrue(e.getMessage().contains("exited with status 1"), e.getMessage());
            assertTrue(e.getMessage().contains("cuda out of memory"), e.getMessage());
        }
    }

    @Test
    void commandThatCannotRunIsReported() throws Exception {
        try (ExecPairwiseJudge j = new ExecPairwiseJudge("/nonexistent/judge-binary", false, Duration.ofSeconds(20))) {
            JudgeException e = assertThrows(JudgeException.class, () -> j.compare(twoPairs()));
            assertTrue(e.getMessage().contains("exit status 127") || e.getMessage().contains("stopped reading"), e.getMessage());
            assertTrue(e.getMessage().contains("not found") || e.getMessage().contains("No such file"), e.getMessage());
        }
    }

    @Test
    void aLongLivedJudgeThatQuitsBetweenBatchesIsAnError() throws Exception {
        String cmd = Scripts.python(dir, "once.py", """
                for _ in range(2):
                    r = json.loads(sys.stdin.readline())
                    print(json.dumps({'id': r['id'], 'p_a': 1.0}), flush=True)
                print('done after one batch', file=sys.stderr)
                """);
        try (ExecPairwiseJudge j = new ExecPairwiseJudge(cmd, false, Duration.ofSeconds(20))) {
            assertArrayEquals(new double[] {1.0, 1.0}, j.compare(twoPairs()));
            Thread.sleep(300);
            JudgeException e = assertThrows(JudgeException.class, () -> j.compare(twoPairs()));
            assertTrue(e.getMessage().contains("exited between batches (exit status 0)"), e.getMessage());
            assertTrue(e.getMessage().contains("done after one batch"), e.getMessage());
        }
    }
}

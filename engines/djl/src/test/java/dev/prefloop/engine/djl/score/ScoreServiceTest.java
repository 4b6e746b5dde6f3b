package dev.prefloop.engine.djl.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.DatasetLocator;
import dev.prefloop.core.data.DatasetReader;
import dev.prefloop.core.data.ShardFormat;
import dev.prefloop.core.data.SliceSpec;
import dev.prefloop.core.error.DataException;
import dev.prefloop.core.error.PrefloopException;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.core.progress.Progress;
import dev.prefloop.engine.djl.model.ComputeDtype;
import dev.prefloop.engine.djl.model.DeviceSpec;
import dev.prefloop.engine.djl.text.TokenizationOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * score's values equal the parity fixtures' expected log-probabilities and reward scores (an
 * independent float64 reference), records keep their other fields and order, bad records fail
 * naming record and field with no output, reruns are no-ops, and slices add up to the whole.
 */
class ScoreServiceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double TOL = 1e-4;

    @TempDir
    Path tmp;

    static Path fixture(String name) throws Exception {
        return Path.of(ScoreServiceTest.class.getResource("/hf-parity/" + name).toURI());
    }

    /** The real tokens of row b of a fixture's left-padded batch. */
    private static long[] realTokens(JsonNode exp, int b) {
        JsonNode row = exp.get("input_ids").get(b);
        int pad = exp.get("num_left_pad").get(b).asInt();
        long[] out = new long[row.size() - pad];
        for (int i = 0; i < out.length; i++) {
            out[i] = row.get(pad + i).asLong();
        }
        return out;
    }

    private static ArrayNode ids(long[] all, int from, int to) {
        ArrayNode a = JSON.createArrayNode();
        for (int i = from; i < to; i++) {
            a.add(all[i]);
        }
        return a;
    }

    private ScoreSettings settings(Path model, Path in, Path out, boolean perToken, boolean asRef, int batch,
            SliceSpec slice, boolean force) {
        return new ScoreSettings(model, null, in.toString(), out, ShardFormat.JSONL, perToken, asRef, batch,
                ScoreSettings.DEFAULT_MAX_TOKENS_PER_BATCH, DeviceSpec.CPU, ComputeDtype.FLOAT32, slice, force,
                TokenizationOptions.DEFAULT);
    }

    private ScoreResult score(Path model, Path in, Path out, boolean perToken, boolean asRef, int batch) {
        return new ScoreService(Progress.NONE).run(settings(model, in, out, perToken, asRef, batch, SliceSpec.ALL,
                false));
    }

    private Path write(String name, List<ObjectNode> records) throws Exception {
        Path p = tmp.resolve(name);
        StringBuilder sb = new StringBuilder();
        for (ObjectNode r : records) {
            sb.append(JSON.writeValueAsString(r)).append('\n');
        }
        Files.writeString(p, sb.toString());
        return p;
    }

    /** Every record of the dataset at {@code dir}. */
    static List<ObjectNode> read(Path dir) {
        List<ObjectNode> out = new ArrayList<>();
        try (DatasetReader r = new DatasetReader(DatasetLocator.locate(dir.toString()), SliceSpec.ALL)) {
            while (r.hasNext()) {
                out.add(r.next());
            }
        }
        return out;
    }

    /** Records of every kind built from llama-gqa's three rows, with expected values alongside. */
    private List<ObjectNode> llamaRecords(JsonNode exp) {
        List<ObjectNode> recs = new ArrayList<>();
        for (int b = 0; b < 3; b++) {
            long[] x = realTokens(exp, b);
            int p = exp.get("prompt_len").get(b).asInt();
            ObjectNode sft = JSON.createObjectNode();
            sft.put("id", "sft-" + b);
            sft.set("prompt_ids", ids(x, 0, p));
            sft.set("completion_ids", ids(x, p, x.length));
            sft.putObject("meta").put("keep", b);
            recs.add(sft);
            ObjectNode pref = JSON.createObjectNode();
            pref.put("id", "pref-" + b);
            pref.put("source", "on");
            pref.set("prompt_ids", ids(x, 0, p));
            pref.set("chosen_ids", ids(x, p, x.length));
            pref.set("rejected_ids", ids(x, p, p + 1)); // a prefix: the first term of the expected sum
            recs.add(pref);
            ObjectNode cand = JSON.createObjectNode();
            cand.put("id", "cand-" + b);
            cand.set("prompt_ids", ids(x, 0, p));
            ArrayNode all = cand.putArray("completions_ids");
            all.add(ids(x, p, x.length));
            all.add(ids(x, p, p + 1));
            all.add(ids(x, p, p)); // empty: sums to 0
            recs.add(cand);
        }
        return recs;
    }

    @Test
    void logpsEqualTheFixtureReferenceForEveryRecordKind() throws Exception {
        JsonNode exp = JSON.readTree(fixture("llama-gqa").resolve("expected.json").toFile());
        List<ObjectNode> in = llamaRecords(exp);
        Path data = write("in.jsonl", in);
        Path out = tmp.resolve("out");
        ScoreResult r = score(fixture("llama-gqa"), data, out, true, false, 2); // batch 2: several sorted batches
        assertEquals(9, r.records());
        assertEquals(18, r.sequences()); // 3 completions, 3 pairs, 3 x 3 candidates
        List<ObjectNode> got = read(out);
        assertEquals(9, got.size());
        double max = 0;
        for (int b = 0; b < 3; b++) {
            double sum = exp.get("response_logps").get(b).asDouble();
            JsonNode terms = exp.get("response_token_logps").get(b);
            double first = terms.get(0).asDouble();
            ObjectNode sft = got.get(3 * b);
            ObjectNode pref = got.get(3 * b + 1);
            ObjectNode cand = got.get(3 * b + 2);
            assertEquals("sft-" + b, sft.get("id").asText(), "input order is kept");
            assertEquals(b, sft.get("meta").get("keep").asInt(), "other fields are unchanged");
            assertEquals(in.get(3 * b).get("completion_ids").toString(), sft.get("completion_ids").toString());
            assertEquals("on", pref.get("source").asText());
            max = Math.max(max, Math.abs(sft.get("completion_logps").asDouble() - sum));
            max = Math.max(max, Math.abs(pref.get("chosen_logps").asDouble() - sum));
            max = Math.max(max, Math.abs(pref.get("rejected_logps").asDouble() - first));
            max = Math.max(max, Math.abs(cand.get("logps").get(0).asDouble() - sum));
            max = Math.max(max, Math.abs(cand.get("logps").get(1).asDouble() - first));
            assertEquals(0.0, cand.get("logps").get(2).asDouble());
            assertEquals(terms.size(), pref.get("chosen_token_logps").size());
            for (int i = 0; i < terms.size(); i++) {
                max = Math.max(max, Math.abs(pref.get("chosen_token_logps").get(i).asDouble() - terms.get(i).asDouble()));
                max = Math.max(max, Math.abs(sft.get("completion_token_logps").get(i).asDouble()
                        - terms.get(i).asDouble()));
                max = Math.max(max, Math.abs(cand.get("token_logps").get(0).get(i).asDouble()
                        - terms.get(i).asDouble()));
            }
            assertEquals(1, pref.get("rejected_token_logps").size());
            assertEquals(0, cand.get("token_logps").get(2).size());
        }
        String report = String.format(Locale.ROOT, "max |score logps - fixture| %.3g", max);
        System.out.println(report);
        assertTrue(max <= TOL, report);
    }

    @Test
    void asRefWritesTrlReferenceColumns() throws Exception {
        JsonNode exp = JSON.readTree(fixture("llama-gqa").resolve("expected.json").toFile());
        Path data = write("in.jsonl", llamaRecords(exp));
        Path out = tmp.resolve("out");
        score(fixture("llama-gqa-bin"), data, out, false, true, 16); // the pytorch_model.bin copy of the model
        ObjectNode pref = read(out).get(1);
        assertEquals(exp.get("response_logps").get(0).asDouble(), pref.get("ref_chosen_logps").asDouble(), TOL);
        assertTrue(pref.has("ref_rejected_logps"));
        assertFalse(pref.has("chosen_logps"));
        assertFalse(pref.has("ref_chosen_token_logps"), "no per-token lists without --per-token");
        assertTrue(read(out).get(2).has("ref_logps"));
        assertTrue(read(out).get(0).has("ref_completion_logps"));
    }

    @Test
    void rewardModelsAddScoresEqualToTheFixture() throws Exception {
        JsonNode exp = JSON.readTree(fixture("llama-reward").resolve("expected.json").toFile());
        List<ObjectNode> in = new ArrayList<>();
        for (int b = 0; b < 3; b++) {
            long[] x = realTokens(exp, b);
            ObjectNode sft = JSON.createObjectNode();
            sft.set("prompt_ids", ids(x, 0, 2));
            sft.set("completion_ids", ids(x, 2, x.length));
            in.add(sft);
            ObjectNode pref = JSON.createObjectNode();
            pref.set("prompt_ids", ids(x, 0, 2));
            pref.set("chosen_ids", ids(x, 2, x.length));
            long[] other = realTokens(exp, (b + 1) % 3);
            pref.set("rejected_ids", ids(other, 0, other.length));
            in.add(pref);
        }
        Path out = tmp.resolve("out");
        score(fixture("llama-reward"), write("in.jsonl", in), out, false, false, 4);
        List<ObjectNode> got = read(out);
        for (int b = 0; b < 3; b++) {
            double s = exp.get("reward").get("scores").get(b).get(0).asDouble();
            assertEquals(s, got.get(2 * b).get("score").asDouble(), TOL, "row " + b);
            assertEquals(s, got.get(2 * b + 1).get("score_chosen").asDouble(), TOL, "row " + b);
            assertTrue(got.get(2 * b + 1).has("score_rejected"));
            assertFalse(got.get(2 * b).has("completion_logps"));
        }
        UsageException e = assertThrows(UsageException.class,
                () -> score(fixture("llama-reward"), tmp.resolve("in.jsonl"), tmp.resolve("o2"), true, false, 4));
        assertTrue(e.getMessage().contains("reward model"), e.getMessage());
    }

    private void assertFailsWithoutOutput(String line2, String... fragments) throws Exception {
        Path data = tmp.resolve("bad.jsonl");
        Files.writeString(data, "{\"prompt_ids\": [1, 2], \"completion_ids\": [3]}\n" + line2 + "\n");
        Path out = tmp.resolve("bad-out");
        DataException e = assertThrows(DataException.class, () -> score(fixture("llama-gqa"), data, out, false, false, 4));
        assertEquals(3, e.exitCode());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), e.getMessage());
        }
        assertTrue(e.getMessage().contains("bad.jsonl, line 2"), e.getMessage());
        assertFalse(Files.exists(out), "no partial output");
    }

    @Test
    void badRecordsNameRecordAndFieldAndLeaveNoOutput() throws Exception {
        assertFailsWithoutOutput("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", "\"messages\"",
                "no prompt/completion split");
        assertFailsWithoutOutput("{\"prompt_ids\": [1], \"chosen_ids\": [2, 3, 256], \"rejected_ids\": [4]}",
                "field chosen_ids[2]", "token id 256", "[0, 256)");
        assertFailsWithoutOutput("{\"prompt_ids\": [1], \"chosen_ids\": [2, -1], \"rejected_ids\": [4]}",
                "field chosen_ids[1]", "token id -1");
        assertFailsWithoutOutput("{\"prompt_ids\": [1], \"completions\": [\"a\", \"b\"], \"completions_ids\": [[2]]}",
                "1 lists for 2 completions");
        assertFailsWithoutOutput("{\"prompt_ids\": [1], \"chosen_ids\": [2]}", "no rejected_ids");
        assertFailsWithoutOutput("{\"prompt_ids\": [1, 2]}", "nothing to score");
        assertFailsWithoutOutput("{\"prompt_ids\": [1], \"completion_ids\": \"3 4\"}", "field completion_ids",
                "expected a list of token ids");
        assertFailsWithoutOutput("{\"prompt_ids\": [1], \"completion_ids\": [2.5]}", "field completion_ids[0]");
    }

    @Test
    void aMissingPromptLeavesTheFirstTokenUnscored() throws Exception {
        JsonNode exp = JSON.readTree(fixture("llama-gqa").resolve("expected.json").toFile());
        long[] x = realTokens(exp, 0);
        int p = exp.get("prompt_len").get(0).asInt();
        ObjectNode whole = JSON.createObjectNode();
        whole.set("chosen_ids", ids(x, 0, x.length)); // the prompt is implicit: part of chosen
        whole.set("rejected_ids", ids(x, 0, p));
        Path out = tmp.resolve("out");
        score(fixture("llama-gqa"), write("in.jsonl", List.of(whole)), out, true, false, 4);
        ObjectNode got = read(out).get(0);
        assertEquals(x.length - 1, got.get("chosen_token_logps").size());
        double tail = 0;
        for (int i = p - 1; i < x.length - 1; i++) {
            tail += got.get("chosen_token_logps").get(i).asDouble();
        }
        assertEquals(exp.get("response_logps").get(0).asDouble(), tail, TOL, "the completion's terms are the fixture's");
    }

    @Test
    void rerunIsANoOpAndOtherOptionsNeedForce() throws Exception {
        JsonNode exp = JSON.readTree(fixture("llama-gqa").resolve("expected.json").toFile());
        Path data = write("in.jsonl", llamaRecords(exp));
        Path out = tmp.resolve("out");
        assertFalse(score(fixture("llama-gqa"), data, out, false, false, 4).upToDate());
        String first = Files.readString(out.resolve("_manifest.json"));
        assertTrue(first.contains("edges-sha256:"), first);
        assertTrue(score(fixture("llama-gqa"), data, out, false, false, 4).upToDate());
        assertEquals(first, Files.readString(out.resolve("_manifest.json")));
        PrefloopException e = assertThrows(UsageException.class,
                () -> score(fixture("llama-gqa"), data, out, true, false, 4));
        assertTrue(e.getMessage().contains("--force"), e.getMessage());
        // the same model stored another way is another fingerprint, hence another run
        assertThrows(UsageException.class, () -> score(fixture("llama-gqa-bin"), data, out, false, false, 4));
        ScoreResult forced = new ScoreService(Progress.NONE).run(settings(fixture("llama-gqa"), data, out, true, false,
                4, SliceSpec.ALL, true));
        assertFalse(forced.upToDate());
        assertTrue(read(out).get(0).has("completion_token_logps"));
    }

    @Test
    void slicesTogetherEqualTheWhole() throws Exception {
        JsonNode exp = JSON.readTree(fixture("llama-gqa").resolve("expected.json").toFile());
        Path data = write("in.jsonl", llamaRecords(exp));
        Path whole = tmp.resolve("whole");
        score(fixture("llama-gqa"), data, whole, false, false, 4);
        Path sliced = tmp.resolve("sliced");
        for (int i = 0; i < 2; i++) {
            new ScoreService(Progress.NONE).run(settings(fixture("llama-gqa"), data, sliced, false, false, 4,
                    new SliceSpec(i, 2), false));
        }
        Comparator<ObjectNode> byId = Comparator.comparing(o -> o.get("id").asText());
        List<ObjectNode> a = read(whole);
        List<ObjectNode> b = read(sliced);
        a.sort(byId);
        b.sort(byId);
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            for (String f : List.of("completion_logps", "chosen_logps", "rejected_logps")) {
                if (a.get(i).has(f)) {
                    assertEquals(a.get(i).get(f).asDouble(), b.get(i).get(f).asDouble(), 1e-5, f);
                }
            }
            assertEquals(a.get(i).get("prompt_ids").toString(), b.get(i).get("prompt_ids").toString());
        }
    }

    @Test
    void lengthBatchesRespectBothLimitsAndKeepEverySequence() {
        List<ScoredSequence> seqs = new ArrayList<>();
        int[] lengths = {5, 1, 9, 3, 3, 7, 2, 30};
        for (int n : lengths) {
            seqs.add(new ScoredSequence(new long[n], new long[0]));
        }
        List<List<ScoredSequence>> batches = LengthBatches.of(seqs, 3, 20);
        int total = 0;
        for (List<ScoredSequence> b : batches) {
            int maxLen = b.stream().mapToInt(ScoredSequence::length).max().orElseThrow();
            assertTrue(b.size() <= 3);
            assertTrue(b.size() == 1 || (long) b.size() * maxLen <= 20, "budget");
            total += b.size();
        }
        assertEquals(lengths.length, total);
        assertEquals(30, batches.get(batches.size() - 1).get(0).length(), "a sequence over the budget goes alone");
    }

}

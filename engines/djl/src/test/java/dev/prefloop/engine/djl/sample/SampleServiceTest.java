package dev.prefloop.engine.djl.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.DatasetLocator;
import dev.prefloop.core.data.DatasetReader;
import dev.prefloop.core.data.ShardFormat;
import dev.prefloop.core.data.SliceSpec;
import dev.prefloop.core.error.DataException;
import dev.prefloop.core.progress.Progress;
import dev.prefloop.engine.djl.generate.SamplingSettings;
import dev.prefloop.engine.djl.init.InitService;
import dev.prefloop.engine.djl.init.InitSettings;
import dev.prefloop.engine.djl.init.ModelPreset;
import dev.prefloop.engine.djl.model.ComputeDtype;
import dev.prefloop.engine.djl.model.DeviceSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sampling end to end on tiny models with their tokenizer (policy seed 1, reference seed 2). */
@Tag("slow")
class SampleServiceTest {

    @TempDir
    static Path shared;

    @TempDir
    Path tmp;

    static Path policy;
    static Path ref;
    static Path prompts;

    @BeforeAll
    static void models() throws IOException {
        policy = shared.resolve("policy");
        ref = shared.resolve("ref");
        new InitService().run(new InitSettings(ModelPreset.parse("tiny"), null, null, false, policy, 1, false));
        new InitService().run(new InitSettings(ModelPreset.parse("tiny"), null, null, false, ref, 2, false));
        prompts = shared.resolve("prompts.jsonl");
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            b.append("{\"id\": \"q").append(i).append("\", \"prompt\": \"What is ").append(i).append(" + ")
                    .append(i * 3).append("?\", \"topic\": \"sum\"}\n");
        }
        Files.writeString(prompts, b.toString());
    }

    private SampleSettings settings(SampleScheme scheme, Path refDir, double temperature, int batch, String out) {
        return new SampleSettings(policy, null, refDir, null, prompts.toString(), tmp.resolve(out), ShardFormat.JSONL, scheme,
                scheme.defaultN(), 0.1, new SamplingSettings(temperature, 0, 1, 0, 1, 6, List.of(), 11), 0, batch,
                true, 0, true, DeviceSpec.CPU, ComputeDtype.FLOAT32, SliceSpec.ALL, false, false);
    }

    private static SampleSettings with(SampleSettings s, double beta, long iteration, int n, boolean resume) {
        return new SampleSettings(s.model(), s.adapter(), s.ref(), s.refAdapter(), s.prompts(), s.out(), s.format(), s.scheme(), n, beta,
                s.decoding(), iteration, s.batchSize(), s.chatTemplate(), s.maxPromptTokens(), s.refLogps(), s.device(),
                s.dtype(), s.slice(), s.force(), resume);
    }

    private static List<ObjectNode> run(SampleSettings s) {
        new SampleService(Progress.NONE).run(s);
        return read(s.out());
    }

    static List<ObjectNode> read(Path dir) {
        List<ObjectNode> out = new ArrayList<>();
        try (DatasetReader in = new DatasetReader(DatasetLocator.locate(dir.toString()), SliceSpec.ALL)) {
            while (in.hasNext()) {
                out.add(in.next());
            }
        }
        return out;
    }

    private static List<JsonNode> field(List<ObjectNode> records, String f) {
        return records.stream().map(r -> (JsonNode) r.get(f)).toList();
    }

    @Test
    void vanillaWritesCandidatesWithProvenanceAndIsDeterministic() {
        List<ObjectNode> a = run(settings(SampleScheme.VANILLA, null, 0, 4, "a"));
        assertEquals(12, a.size());
        ObjectNode r = a.get(3);
        assertEquals("q3", r.get("id").asText());
        assertEquals("What is 3 + 9?", r.get("prompt").asText());
        assertEquals("sum", r.get("topic").asText());
        assertTrue(r.get("prompt_ids").size() > 0);
        assertEquals(2, r.get("completions").size());
        assertEquals(2, r.get("completions_ids").size());
        assertEquals("[\"pi\",\"pi\"]", r.get("generators").toString());
        assertEquals("vanilla", r.get("scheme").asText());
        assertEquals(0, r.get("iteration").asInt());
        for (int k = 0; k < 2; k++) {
            int len = r.get("completions_ids").get(k).size();
            assertEquals(len, r.get("num_tokens").get(k).asInt());
            assertTrue(len >= 1 && len <= 6);
            String finish = r.get("finish_reasons").get(k).asText();
            assertTrue(finish.equals("eos") || finish.equals("length"), finish);
            assertTrue(r.get("logps").get(k).asDouble() <= 0);
        }
        assertFalse(r.has("ref_logps"));
        // greedy: both samples are the argmax path
        assertEquals(r.get("completions_ids").get(0), r.get("completions_ids").get(1));
        List<ObjectNode> b = run(settings(SampleScheme.VANILLA, null, 0, 4, "b"));
        assertEquals(field(a, "completions_ids"), field(b, "completions_ids"));
        assertEquals(field(a, "logps"), field(b, "logps"));
        assertTrue(Files.isRegularFile(tmp.resolve("a/_manifest.json")));
    }

    @Test
    void samplingDoesNotDependOnBatchSize() {
        List<ObjectNode> one = run(settings(SampleScheme.VANILLA, null, 1, 1, "one"));
        List<ObjectNode> five = run(settings(SampleScheme.VANILLA, null, 1, 5, "five"));
        assertEquals(field(one, "completions_ids"), field(five, "completions_ids"));
        assertNotEquals(one.get(0).get("completions_ids").get(0), one.get(0).get("completions_ids").get(1),
                "temperature 1 draws two different responses");
    }

    @Test
    void shardsTogetherEqualTheWholeRun() {
        SampleSettings whole = settings(SampleScheme.PILAF, ref, 1, 4, "all");
        List<ObjectNode> expected = run(whole);
        List<ObjectNode> parts = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            SampleSettings s = whole;
            parts.addAll(run(new SampleSettings(s.model(), s.adapter(), s.ref(), s.refAdapter(), s.prompts(), tmp.resolve("part" + i), s.format(),
                    s.scheme(), s.n(), s.beta(), s.decoding(), s.iteration(), 3, s.chatTemplate(), s.maxPromptTokens(),
                    s.refLogps(), s.device(), s.dtype(), new SliceSpec(i, 2), false, false)));
        }
        parts.sort(java.util.Comparator.comparingInt(r -> Integer.parseInt(r.get("id").asText().substring(1))));
        assertEquals(field(expected, "completions_ids"), field(parts, "completions_ids"));
        assertEquals(field(expected, "generators"), field(parts, "generators"));
    }

    @Test
    void pilafWithThePolicyAsReferenceIsThePolicy() {
        List<ObjectNode> vanilla = run(settings(SampleScheme.VANILLA, null, 0, 4, "v"));
        List<ObjectNode> pilaf = run(settings(SampleScheme.PILAF, policy, 0, 4, "p"));
        int interpolated = 0;
        for (int i = 0; i < pilaf.size(); i++) {
            ObjectNode r = pilaf.get(i);
            if (r.get("generators").get(0).asText().equals("pi+")) {
                interpolated++;
                assertEquals("pi-", r.get("generators").get(1).asText());
            }
            // greedy pi+ and pi- take the policy's argmax path; logps under the two copies agree
            assertEquals(vanilla.get(i).get("completions_ids"), r.get("completions_ids"));
            for (int k = 0; k < 2; k++) {
                assertEquals(r.get("logps").get(k).asDouble(), r.get("ref_logps").get(k).asDouble(), 1e-4);
                assertEquals(vanilla.get(i).get("logps").get(k).asDouble(), r.get("logps").get(k).asDouble(), 1e-4);
            }
        }
        assertTrue(interpolated > 0 && interpolated < pilaf.size(), interpolated + " interpolated prompts");
    }

    @Test
    void pilafWithBetaZeroIsVanilla() {
        List<ObjectNode> vanilla = run(settings(SampleScheme.VANILLA, ref, 1, 4, "v"));
        List<ObjectNode> pilaf = run(with(settings(SampleScheme.PILAF, ref, 1, 4, "p"), 0, 0, 2, false));
        assertEquals(field(vanilla, "completions_ids"), field(pilaf, "completions_ids"));
        for (int i = 0; i < pilaf.size(); i++) {
            for (int k = 0; k < 2; k++) {
                // other batch companions change the float sums in the last bits, not the tokens
                assertEquals(vanilla.get(i).get("ref_logps").get(k).asDouble(),
                        pilaf.get(i).get("ref_logps").get(k).asDouble(), 1e-4);
            }
        }
        assertTrue(pilaf.stream().anyMatch(r -> r.get("generators").get(0).asText().equals("pi+")));
    }

    @Test
    void anotherIterationRedrawsTheSplitAndTheResponses() {
        List<ObjectNode> first = run(settings(SampleScheme.PILAF, ref, 1, 4, "i0"));
        List<ObjectNode> second = run(with(settings(SampleScheme.PILAF, ref, 1, 4, "i1"), 0.1, 1, 2, false));
        assertNotEquals(field(first, "generators"), field(second, "generators"));
        assertNotEquals(field(first, "completions_ids"), field(second, "completions_ids"));
        assertEquals(1, second.get(0).get("iteration").asInt());
        for (ObjectNode r : second) {
            assertEquals(SampleSeeds.interpolated(11, 1, r.get("id").asText()),
                    r.get("generators").get(0).asText().equals("pi+"));
        }
    }

    @Test
    void bestOfNKeepsTheBestAndWorstByImplicitReward() {
        List<ObjectNode> out = run(with(settings(SampleScheme.BEST_OF_N, ref, 1, 4, "bon"), 0.1, 0, 4, false));
        for (ObjectNode r : out) {
            assertEquals(2, r.get("completions_ids").size());
            JsonNode w = r.get("implicit_rewards");
            assertTrue(w.get(0).asDouble() >= w.get(1).asDouble());
            assertEquals(0.1 * (r.get("logps").get(0).asDouble() - r.get("ref_logps").get(0).asDouble()),
                    w.get(0).asDouble(), 1e-9);
        }
    }

    @Test
    void hybridTakesOneResponseFromEachModel() {
        List<ObjectNode> out = run(settings(SampleScheme.HYBRID, ref, 1, 4, "h"));
        for (ObjectNode r : out) {
            assertEquals("[\"pi\",\"ref\"]", r.get("generators").toString());
            assertEquals(2, r.get("ref_logps").size());
        }
    }

    @Test
    void resumeAfterAnInterruptionEqualsAnUninterruptedRun() throws IOException {
        SampleSettings whole = settings(SampleScheme.PILAF, ref, 1, 4, "whole");
        List<ObjectNode> expected = run(whole);
        SampleSettings cut = settings(SampleScheme.PILAF, ref, 1, 4, "cut");
        Progress stopAfterOneGroup = new Progress() {
            @Override
            public void start(String task, String unit, long total) {}

            @Override
            public void advance(long n) {
                throw new IllegalStateException("interrupted");
            }

            @Override
            public void finish() {}
        };
        assertThrows(IllegalStateException.class, () -> new SampleService(stopAfterOneGroup).run(cut));
        assertFalse(Files.exists(cut.out().resolve("_manifest.json")));
        assertTrue(Files.isRegularFile(SampleJournal.path(cut.out(), SliceSpec.ALL)));
        try (Stream<Path> left = Files.list(cut.out())) {
            assertEquals(List.of(), left.filter(f -> !f.getFileName().toString().startsWith(".")).toList(),
                    "no partial output");
        }
        SampleResult r = new SampleService(Progress.NONE).run(with(cut, 0.1, 0, 2, true));
        assertEquals(4, r.resumed());
        assertEquals(12, r.prompts());
        List<ObjectNode> resumed = read(cut.out());
        assertEquals(expected.toString(), resumed.toString());
        assertFalse(Files.exists(SampleJournal.path(cut.out(), SliceSpec.ALL)), "the journal goes at commit");
    }

    @Test
    void anIdsOnlyModelWritesIdsWithoutText() throws IOException {
        Path idsOnly = tmp.resolve("ids-only");
        Files.createDirectories(idsOnly);
        try (Stream<Path> files = Files.list(policy)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.equals("config.json") || name.equals("generation_config.json") || name.endsWith(".safetensors")) {
                    Files.copy(f, idsOnly.resolve(name));
                }
            }
        }
        Path idPrompts = tmp.resolve("ids.jsonl");
        Files.writeString(idPrompts, "{\"id\": 1, \"prompt_ids\": [1, 5, 9, 12]}\n{\"id\": 2, \"prompt_ids\": [1, 7]}\n");
        SampleSettings s = new SampleSettings(idsOnly, null, null, null, idPrompts.toString(), tmp.resolve("o"), ShardFormat.JSONL,
                SampleScheme.VANILLA, 2, 0.1, SamplingSettings.greedy(4), 0, 2, true, 3, true, DeviceSpec.CPU,
                ComputeDtype.FLOAT32, SliceSpec.ALL, false, false);
        List<ObjectNode> out = run(s);
        assertEquals(2, out.size());
        assertFalse(out.get(0).has("completions"));
        assertEquals("[5,9,12]", out.get(0).get("prompt_ids").toString(), "left truncation to 3 tokens");
        assertEquals(2, out.get(1).get("completions_ids").size());
    }

    @Test
    void badPromptsStopBeforeAnyOutput() throws IOException {
        Path bad = tmp.resolve("bad.jsonl");
        Files.writeString(bad, "{\"id\": \"a\", \"prompt\": \"hi\"}\n{\"id\": \"b\", \"prompt\": 7}\n");
        SampleSettings s = new SampleSettings(policy, null, null, null, bad.toString(), tmp.resolve("bad-out"), ShardFormat.JSONL,
                SampleScheme.VANILLA, 2, 0.1, SamplingSettings.greedy(4), 0, 2, true, 0, true, DeviceSpec.CPU,
                ComputeDtype.FLOAT32, SliceSpec.ALL, false, false);
        DataException e = assertThrows(DataException.class, () -> new SampleService(Progress.NONE).run(s));
        assertTrue(e.getMessage().contains("bad.jsonl") && e.getMessage().contains("\"prompt\""), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("bad-out")));
    }
}

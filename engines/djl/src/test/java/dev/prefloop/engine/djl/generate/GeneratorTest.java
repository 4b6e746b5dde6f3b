package dev.prefloop.engine.djl.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import ai.djl.ndarray.NDManager;
import dev.prefloop.engine.djl.TorchRuntime;
import dev.prefloop.engine.djl.model.ComputeDtype;
import dev.prefloop.engine.djl.model.DeviceSpec;
import dev.prefloop.engine.djl.model.LlamaModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Stopping, dropping finished rows, lockstep decoding, reproducibility and native memory. */
class GeneratorTest {

    private static LlamaModel model;
    private static JsonNode exp;
    private static List<long[]> prompts;

    @BeforeAll
    static void load() throws Exception {
        Path dir = Fixtures.dir("llama-gqa");
        exp = Fixtures.expected(dir);
        prompts = Fixtures.realRows(exp);
        model = LlamaModel.load(dir, DeviceSpec.CPU, ComputeDtype.FLOAT32);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static List<GenerationRequest> requests() {
        List<GenerationRequest> out = new ArrayList<>();
        for (int r = 0; r < prompts.size(); r++) {
            out.add(new GenerationRequest("row" + r, 0, prompts.get(r)));
        }
        return out;
    }

    private static long[] fixtureTokens(int row) {
        return Fixtures.longs(exp.get("greedy").get("tokens").get(row));
    }

    @Test
    void aRowStopsAtItsEosAndTheOthersContinueUnchanged() {
        // Row 0's greedy tokens are 44, 180, 173, ...: with 173 as EOS it stops after three tokens.
        Generator g = Generator.single(model, SamplingSettings.greedy(8), Set.of(173L), null);
        List<Generation> out = g.generate(requests());
        assertArrayEquals(new long[] {44, 180, 173}, out.get(0).tokens());
        assertEquals(FinishReason.EOS, out.get(0).finish());
        for (int r = 1; r < 3; r++) {
            assertArrayEquals(fixtureTokens(r), out.get(r).tokens(), "row " + r + " after row 0 left the batch");
            assertEquals(FinishReason.LENGTH, out.get(r).finish());
        }
    }

    @Test
    void stopStringsNeedADetokenizerAndStopTheRowThatProducesOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Generator.single(model,
                SamplingSettings.greedy(8).withStopStrings(List.of("x")), Set.of(), null));
        assertTrue(e.getMessage().contains("stop strings are unavailable"), e.getMessage());

        Detokenizer angle = ids -> Arrays.stream(ids).mapToObj(i -> "<" + i + ">").collect(Collectors.joining());
        // Row 1 continues 93, 192, 204, ...; "2><204" spans two tokens.
        Generator g = Generator.single(model, SamplingSettings.greedy(8).withStopStrings(List.of("2><204")), Set.of(),
                angle);
        List<Generation> out = g.generate(requests());
        assertArrayEquals(new long[] {93, 192, 204}, out.get(1).tokens());
        assertEquals(FinishReason.STOP, out.get(1).finish());
        assertEquals("<93><192><204>", out.get(1).text());
        assertArrayEquals(fixtureTokens(0), out.get(0).tokens());
        assertArrayEquals(fixtureTokens(2), out.get(2).tokens());
    }

    @Test
    void decodeThreadsChangeNeitherTokensNorTheCallersThreadSetting() {
        int before = TorchRuntime.threads();
        Generator one = Generator.single(model, SamplingSettings.sampling(1, 8, 5), Set.of(), null);
        List<Generation> a = one.generate(requests());
        assertEquals(before, TorchRuntime.threads(), "the caller's intra-op threads are restored");
        List<Generation> b = one.withDecodeThreads(2).generate(requests());
        for (int r = 0; r < 3; r++) {
            assertArrayEquals(a.get(r).tokens(), b.get(r).tokens());
            assertEquals(a.get(r).sampleLogp(), b.get(r).sampleLogp(), 1e-4);
        }
        assertThrows(IllegalArgumentException.class, () -> one.withDecodeThreads(-1));
        // One thread for cache-sized weights (tiny, and this test's models), the caller's threads beyond 64 MiB.
        assertEquals(1, Generator.decodeThreadsFor(20L << 20));
        assertEquals(0, Generator.decodeThreadsFor(126L << 20));
        // Sub-batches: one per spare thread for cache-sized weights, at most 2 beyond 64 MiB, none without rows.
        assertEquals(2, Generator.groupsFor(8, 2, 1, 20L << 20));
        assertEquals(8, Generator.groupsFor(8, 16, 1, 20L << 20));
        assertEquals(4, Generator.groupsFor(8, 8, 2, 20L << 20));
        assertEquals(2, Generator.groupsFor(8, 16, 1, 4L << 30));
        assertEquals(1, Generator.groupsFor(8, 2, 2, 20L << 20));
        assertEquals(1, Generator.groupsFor(1, 16, 1, 20L << 20));
    }

    @Test
    void lockstepWithTheSameModelTwiceIsPlainDecodingWithinRounding() {
        Generator single = Generator.single(model, SamplingSettings.greedy(8), Set.of(), null);
        Generator twice = new Generator(List.of(model, model), LinearMixing.pilafOptimistic(0.1),
                SamplingSettings.greedy(8), Set.of(), null);
        List<Generation> a = single.generate(requests());
        List<Generation> b = twice.generate(requests());
        for (int r = 0; r < 3; r++) {
            assertArrayEquals(a.get(r).tokens(), b.get(r).tokens());
            assertEquals(2, b.get(r).modelLogps().length);
            assertEquals(b.get(r).modelLogps()[0], b.get(r).modelLogps()[1], 1e-9);
            assertEquals(a.get(r).sampleLogp(), b.get(r).sampleLogp(), 1e-4);
        }
    }

    @Test
    void samplesDoNotDependOnBatchSizeOrOrder() {
        SamplingSettings s = SamplingSettings.sampling(1.0, 12, 7).withTopP(0.95).withTopK(100);
        Generator g = Generator.single(model, s, Set.of(), null);
        List<GenerationRequest> many = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            for (int r = 0; r < prompts.size(); r++) {
                many.add(new GenerationRequest("row" + r, k, prompts.get(r)));
            }
        }
        List<Generation> together = g.generate(many, many.size());
        List<Generation> ones = g.generate(many, 1);
        List<Generation> fours = g.generate(many, 4);
        List<GenerationRequest> reversed = new ArrayList<>(many);
        Collections.reverse(reversed);
        List<Generation> backwards = g.generate(reversed, 5);
        Collections.reverse(backwards);
        for (int i = 0; i < many.size(); i++) {
            for (List<Generation> other : List.of(ones, fours, backwards)) {
                assertArrayEquals(together.get(i).tokens(), other.get(i).tokens(), "request " + i);
                assertEquals(together.get(i).sampleLogp(), other.get(i).sampleLogp(), 1e-4);
                assertEquals(together.get(i).modelLogps()[0], other.get(i).modelLogps()[0], 1e-4);
            }
        }
        // Different sample indices and seeds give different streams.
        assertNotEquals(Arrays.toString(together.get(0).tokens()), Arrays.toString(together.get(3).tokens()));
        List<Generation> otherSeed = Generator.single(model, new SamplingSettings(1.0, 100, 0.95, 0, 1, 12, List.of(), 8),
                Set.of(), null).generate(many.subList(0, 1));
        assertNotEquals(Arrays.toString(together.get(0).tokens()), Arrays.toString(otherSeed.get(0).tokens()));
        // The sampling distribution (top-k, top-p) is narrower than the model's: its log-probabilities are higher.
        assertTrue(together.get(0).sampleLogp() >= together.get(0).modelLogps()[0]);
    }

    /**
     * With n intra-op threads and m models a batch runs as n / m sub-batches at the same time: 1, 2 and 3 threads
     * give the same tokens and log-probabilities, and nothing is left behind.
     */
    @Test
    void subBatchesOnThreadsGiveTheSameGenerations() {
        int threads = TorchRuntime.threads();
        SamplingSettings s = SamplingSettings.sampling(1.0, 10, 3).withTopP(0.9);
        Generator g = Generator.single(model, s, Set.of(173L, 204L), null); // EOS ids: rows end at different steps
        List<GenerationRequest> many = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            for (int r = 0; r < prompts.size(); r++) {
                many.add(new GenerationRequest("row" + r, k, prompts.get(r)));
            }
        }
        NDManager system = TorchRuntime.engine().newBaseManager().getParentManager();
        try {
            TorchRuntime.setThreads(1);
            List<Generation> base = g.generate(many);
            int arrays = system.getManagedArrays().size();
            for (int n : new int[] {2, 3}) {
                TorchRuntime.setThreads(n);
                List<Generation> got = g.generate(many);
                assertEquals(n, TorchRuntime.threads(), "the caller's intra-op threads are restored");
                for (int i = 0; i < many.size(); i++) {
                    assertArrayEquals(base.get(i).tokens(), got.get(i).tokens(), n + " threads, request " + i);
                    assertEquals(base.get(i).finish(), got.get(i).finish());
                    assertEquals(base.get(i).sampleLogp(), got.get(i).sampleLogp(), 1e-4);
                    assertEquals(base.get(i).modelLogps()[0], got.get(i).modelLogps()[0], 1e-4);
                }
            }
            assertEquals(arrays, system.getManagedArrays().size(), "arrays left by sub-batches");
        } finally {
            TorchRuntime.setThreads(threads);
        }
    }

    /**
     * Per-request mixing weights follow their requests into sub-batches (4 threads, 2 models: 2 sub-batches), into
     * blocks of rows that draw at the same time (2 threads, 2 models: one batch) and into generate(requests,
     * batchSize)'s chunks: every request decodes as it does alone with its weights.
     */
    @Test
    void perRequestWeightsFollowTheirRequestsIntoSubBatchesAndChunks() {
        int threads = TorchRuntime.threads();
        SamplingSettings s = SamplingSettings.sampling(1.0, 6, 11);
        List<GenerationRequest> many = new ArrayList<>();
        List<double[]> weights = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            for (int r = 0; r < prompts.size(); r++) {
                many.add(new GenerationRequest("row" + r, k, prompts.get(r)));
                weights.add(new double[] {0.25 + 0.5 * weights.size(), 0}); // sharper with every request
            }
        }
        Generator mixed = new Generator(List.of(model, model), new PerRequestMixing(weights), s, Set.of(), null);
        try {
            TorchRuntime.setThreads(4);
            List<Generation> split = mixed.generate(many);
            TorchRuntime.setThreads(2);
            List<Generation> drawnInBlocks = mixed.generate(many);
            TorchRuntime.setThreads(1);
            List<Generation> chunks = mixed.generate(many, 4);
            for (int q = 0; q < many.size(); q++) {
                Generator alone = new Generator(List.of(model, model), new PerRequestMixing(List.of(weights.get(q))), s,
                        Set.of(), null);
                long[] want = alone.generate(List.of(many.get(q))).get(0).tokens();
                assertArrayEquals(want, split.get(q).tokens(), "request " + q + " in a sub-batch");
                assertArrayEquals(want, chunks.get(q).tokens(), "request " + q + " in a chunk");
                assertArrayEquals(want, drawnInBlocks.get(q).tokens(), "request " + q + " drawn in a block of rows");
                assertEquals(split.get(q).modelLogps()[1], drawnInBlocks.get(q).modelLogps()[1], 1e-4);
            }
        } finally {
            TorchRuntime.setThreads(threads);
        }
    }

    @Test
    @Tag("slow")
    void nativeMemoryDoesNotGrowOver2000DecodingSteps() throws Exception {
        // Every processor on, two models in lockstep: 40 calls x 50 steps = 2,000 steps of each model.
        SamplingSettings s = new SamplingSettings(0.9, 40, 0.95, 0.01, 1.1, 50, List.of(), 3);
        Generator g = new Generator(List.of(model, model), LinearMixing.pilafConservative(0.1), s, Set.of(), null);
        NDManager system = TorchRuntime.engine().newBaseManager().getParentManager();
        long[] rss = new long[5];
        int[] arrays = new int[5];
        for (int call = 0; call < 40; call++) {
            List<GenerationRequest> batch = List.of(new GenerationRequest("a", call, prompts.get(0)),
                    new GenerationRequest("b", call, prompts.get(1)));
            assertEquals(50, g.generate(batch).get(0).tokens().length);
            if (call % 10 == 9) {
                rss[call / 10 + 1] = nativeKb();
                arrays[call / 10 + 1] = system.getManagedArrays().size();
            }
        }
        String msg = String.format(Locale.ROOT, "after 500, 1000, 1500, 2000 steps: live arrays %s, RSS minus Java heap"
                + " (kB) %s", Arrays.toString(Arrays.copyOfRange(arrays, 1, 5)),
                Arrays.toString(Arrays.copyOfRange(rss, 1, 5)));
        System.out.println(msg);
        // Every native allocation is an NDArray: a leak of any size leaves arrays behind.
        assertEquals(arrays[1], arrays[4], msg);
        // A gross check of the process (the heap's committed size moves RSS by tens of MB).
        assertTrue(rss[4] - rss[1] < 64_000, msg);
    }

    /** Resident memory minus the Java heap's committed size, after a GC: the native part, roughly. */
    private static long nativeKb() throws Exception {
        System.gc();
        return rssKb() - Runtime.getRuntime().totalMemory() / 1024;
    }

    private static long rssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D+", ""));
            }
        }
        throw new IllegalStateException("no VmRSS");
    }
}

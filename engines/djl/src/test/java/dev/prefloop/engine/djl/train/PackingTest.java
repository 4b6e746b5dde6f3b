package dev.prefloop.engine.djl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.prefloop.engine.djl.TorchRuntime;
import dev.prefloop.engine.djl.model.ComputeDtype;
import dev.prefloop.engine.djl.model.DeviceSpec;
import dev.prefloop.engine.djl.model.LlamaModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Packing fills rows best-fit decreasing and changes no log-probability. */
class PackingTest {

    @TempDir
    Path tmp;

    private static List<TokenizedCompletion> records(int n, long seed) {
        Random r = new Random(seed);
        List<TokenizedCompletion> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long[] p = new long[1 + r.nextInt(5)];
            long[] c = new long[1 + r.nextInt(6)];
            for (int k = 0; k < p.length; k++) {
                p[k] = 3 + r.nextInt(40);
            }
            for (int k = 0; k < c.length; k++) {
                c[k] = 3 + r.nextInt(40);
            }
            out.add(new TokenizedCompletion(p, c));
        }
        return out;
    }

    @Test
    void bestFitDecreasingPlacesEveryRecordOnceWithinTheRowLength() {
        List<TokenizedCompletion> recs = records(40, 1);
        List<List<Integer>> rows = SftPacking.pack(recs, 16);
        assertEquals(IntStream.range(0, 40).boxed().toList(),
                rows.stream().flatMap(List::stream).sorted().toList());
        for (List<Integer> row : rows) {
            assertTrue(row.stream().mapToInt(i -> recs.get(i).length()).sum() <= 16, row.toString());
        }
        int total = recs.stream().mapToInt(TokenizedCompletion::length).sum();
        assertTrue(rows.size() <= (total + 15) / 16 + 2, rows.size() + " rows for " + total + " tokens");
        // Lengths 10, 9, 6, 5 into rows of 16: 10 + 6 and 9 + 5.
        List<TokenizedCompletion> four = List.of(new TokenizedCompletion(new long[5], new long[5]),
                new TokenizedCompletion(new long[4], new long[5]), new TokenizedCompletion(new long[3], new long[3]),
                new TokenizedCompletion(new long[2], new long[3]));
        assertEquals("[[0, 2], [1, 3]]", SftPacking.pack(four, 16).toString());
    }

    @Test
    void packedRowsGiveTheUnpackedLoss() {
        Path dir = TinyModel.write(tmp.resolve("model"), 31);
        List<TokenizedCompletion> recs = records(12, 2);
        try (LlamaModel model = LlamaModel.load(dir, DeviceSpec.CPU, ComputeDtype.FLOAT32);
                NDManager m = TorchRuntime.engine().newBaseManager()) {
            SftObjective plain = new SftObjective(recs, 0);
            int[] all = IntStream.range(0, recs.size()).toArray();
            double plainLoss = plain.compute(model, all, m).lossSum().getFloat() / plain.normaliser(all);
            PackedSftObjective packed = new PackedSftObjective(recs, 24, 0);
            int[] rows = IntStream.range(0, packed.size()).toArray();
            double packedLoss = packed.compute(model, rows, m).lossSum().getFloat() / packed.normaliser(rows);
            System.out.printf(Locale.ROOT, "%d records in %d packed rows: loss %.7f packed, %.7f unpacked%n",
                    recs.size(), packed.size(), packedLoss, plainLoss);
            assertTrue(packed.size() < recs.size());
            assertEquals(plainLoss, packedLoss, 1e-5);
        }
    }
}

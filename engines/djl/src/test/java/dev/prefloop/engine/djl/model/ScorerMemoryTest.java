package dev.prefloop.engine.djl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.prefloop.engine.djl.score.ScoredSequence;
import dev.prefloop.engine.djl.score.SequenceScorer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** score's batches leave nothing behind: array counts stay flat over many batches of varying shapes. */
class ScorerMemoryTest {

    @Test
    void nativeArraysStayFlatOverManyBatches() throws Exception {
        Path dir = HfParityTest.fixture("llama-gqa");
        SplittableRandom rng = new SplittableRandom(1);
        for (boolean perToken : new boolean[] {false, true}) {
            try (LlamaModel model = LlamaModel.load(dir, DeviceSpec.CPU, ComputeDtype.FLOAT32);
                    SequenceScorer scorer = new SequenceScorer(model, perToken)) {
                int modelArrays = model.manager().getManagedArrays().size();
                float first = Float.NaN;
                for (int step = 0; step < 80; step++) {
                    List<ScoredSequence> batch = new ArrayList<>();
                    ScoredSequence fixed = new ScoredSequence(new long[] {5, 6, 7}, new long[] {8, 9});
                    batch.add(fixed);
                    for (int i = 0; i < 1 + step % 4; i++) {
                        batch.add(new ScoredSequence(rng.longs(1 + rng.nextInt(6), 0, 256).toArray(),
                                rng.longs(rng.nextInt(8), 0, 256).toArray()));
                    }
                    scorer.score(batch);
                    first = step == 0 ? fixed.logpSum() : first;
                    assertEquals(first, fixed.logpSum(), 1e-5f, "the same sequence scores the same in any batch");
                    assertEquals(0, scorer.arraysHeld(), "arrays left in the scorer's manager after step " + step);
                }
                assertEquals(modelArrays, model.manager().getManagedArrays().size(), "arrays left in the model's manager");
            }
        }
    }
}

package dev.prefloop.engine.djl.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class StepPlanTest {

    @Test
    void everyEpochIsASeededPermutationCutIntoSteps() {
        StepPlan plan = new StepPlan(10, 2, 2, 2.0, -1, 7);
        assertEquals(3, plan.stepsPerEpoch()); // 4 + 4 + 2
        assertEquals(6, plan.totalSteps());
        int[] epoch0 = IntStream.range(0, 3).flatMap(s -> Arrays.stream(plan.examples(s))).toArray();
        int[] epoch1 = IntStream.range(3, 6).flatMap(s -> Arrays.stream(plan.examples(s))).toArray();
        assertArrayEquals(IntStream.range(0, 10).toArray(), Arrays.stream(epoch0).sorted().toArray());
        assertArrayEquals(IntStream.range(0, 10).toArray(), Arrays.stream(epoch1).sorted().toArray());
        assertNotEquals(Arrays.toString(epoch0), Arrays.toString(epoch1));
        assertEquals(2, plan.examples(2).length);
        // The same seed gives the same order in a fresh plan (what resuming relies on).
        assertArrayEquals(plan.examples(4), new StepPlan(10, 2, 2, 2.0, -1, 7).examples(4));
        assertEquals(5, new StepPlan(10, 2, 2, 2.0, 5, 7).totalSteps());
        assertEquals(2, new StepPlan(10, 2, 2, 0.5, -1, 7).totalSteps()); // ceil(1.5)
    }

    @Test
    void microBatchesFollowTheBatchSizeThenTheTokenBudget() {
        StepPlan plan = new StepPlan(8, 3, 2, 1.0, -1, 1);
        int[] step = {0, 1, 2, 3, 4, 5};
        int[] lengths = {10, 10, 30, 5, 5, 5};
        List<int[]> none = plan.microBatches(step, i -> lengths[i], 2, 0);
        assertEquals("[[0, 1, 2], [3, 4, 5]]", render(none));
        // Budget 80 tokens of 2 rows each: [0,1] pads to 10 (40 tokens); adding 2 pads to 30 (180) -> cut.
        List<int[]> budget = plan.microBatches(step, i -> lengths[i], 2, 80);
        assertEquals("[[0, 1], [2], [3, 4, 5]]", render(budget));
        // One example over the budget still gets a micro-batch.
        assertEquals("[[2]]", render(plan.microBatches(new int[] {2}, i -> lengths[i], 2, 10)));
    }

    private static String render(List<int[]> batches) {
        return batches.stream().map(Arrays::toString).toList().toString();
    }
}

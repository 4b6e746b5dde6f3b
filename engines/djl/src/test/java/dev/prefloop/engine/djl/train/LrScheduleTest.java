package dev.prefloop.engine.djl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.prefloop.core.error.UsageException;
import org.junit.jupiter.api.Test;

/** The schedules against values computed by hand from transformers' lambda functions. */
class LrScheduleTest {

    @Test
    void linearWarmsUpThenDecaysToZero() {
        LrSchedule s = new LrSchedule(SchedulerType.LINEAR, 1e-3, 2, 10);
        assertEquals(0.0, s.at(0), 0);
        assertEquals(0.5e-3, s.at(1), 1e-15);
        assertEquals(1e-3, s.at(2), 1e-15); // (10 - 2) / 8
        assertEquals(1e-3 * 5 / 8, s.at(5), 1e-15);
        assertEquals(1e-3 / 8, s.at(9), 1e-15);
        assertEquals(0.0, s.at(10), 0);
        assertEquals(0.0, s.at(12), 0);
    }

    @Test
    void cosineFollowsHalfAWave() {
        LrSchedule s = new LrSchedule(SchedulerType.COSINE, 2.0, 1, 5);
        assertEquals(0.0, s.at(0), 0);
        assertEquals(2.0, s.at(1), 1e-12);
        assertEquals(2.0 * 0.5 * (1 + Math.cos(Math.PI * 0.25)), s.at(2), 1e-12); // 1.7071
        assertEquals(1.0, s.at(3), 1e-12);
        assertEquals(2.0 * 0.5 * (1 + Math.cos(Math.PI * 0.75)), s.at(4), 1e-12); // 0.2929
        assertEquals(0.0, s.at(5), 1e-12);
    }

    @Test
    void constantIgnoresWarmupAndConstantWithWarmupDoesNot() {
        assertEquals(3.0, new LrSchedule(SchedulerType.CONSTANT, 3.0, 4, 10).at(0), 0);
        LrSchedule w = new LrSchedule(SchedulerType.CONSTANT_WITH_WARMUP, 3.0, 4, 10);
        assertEquals(0.75, w.at(1), 1e-15);
        assertEquals(3.0, w.at(4), 0);
        assertEquals(3.0, w.at(9), 0);
    }

    @Test
    void warmupStepsOverrideTheRatioWhichRoundsUp() {
        assertEquals(4, LrSchedule.warmupSteps(0, 0.1, 31)); // ceil(3.1)
        assertEquals(7, LrSchedule.warmupSteps(7, 0.1, 31));
        assertEquals(0, LrSchedule.warmupSteps(0, 0.0, 31));
    }

    @Test
    void unknownTypesNameTheChoices() {
        UsageException e = assertThrows(UsageException.class, () -> SchedulerType.of("polynomial"));
        assertEquals("lr_scheduler_type: unknown 'polynomial'; expected one of constant, constant_with_warmup, linear,"
                + " cosine", e.getMessage());
        assertEquals(SchedulerType.COSINE, SchedulerType.of("Cosine"));
    }
}

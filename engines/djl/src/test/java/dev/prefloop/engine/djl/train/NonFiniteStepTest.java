package dev.prefloop.engine.djl.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.prefloop.core.progress.Progress;
import dev.prefloop.engine.djl.model.ComputeDtype;
import dev.prefloop.engine.djl.model.DeviceSpec;
import dev.prefloop.engine.djl.model.LlamaModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A non-finite loss skips its update and is counted; K in a row stop the run with a checkpoint. */
class NonFiniteStepTest {

    @TempDir
    Path tmp;

    /** SFT whose loss is NaN at the listed calls (1-based), counting one call per step (batch fits one micro-batch). */
    private static TrainingObjective poisoned(TrainingObjective inner, Set<Integer> nanCalls) {
        return new TrainingObjective() {
            int calls;

            @Override
            public int size() {
                return inner.size();
            }

            @Override
            public int longestRow(int example) {
                return inner.longestRow(example);
            }

            @Override
            public int rowsPerExample() {
                return inner.rowsPerExample();
            }

            @Override
            public double normaliser(int[] stepExamples) {
                return inner.normaliser(stepExamples);
            }

            @Override
            public Micro compute(LlamaModel model, int[] examples, NDManager manager) {
                Micro m = inner.compute(model, examples, manager);
                calls++;
                if (!nanCalls.contains(calls)) {
                    return m;
                }
                NDArray nan = manager.full(new Shape(), Float.NaN);
                return new Micro(m.lossSum().mul(nan), m.metrics(), m.tokens());
            }
        };
    }

    private List<TokenizedCompletion> records() {
        return List.of(new TokenizedCompletion(new long[] {3, 4}, new long[] {5, 6}),
                new TokenizedCompletion(new long[] {7}, new long[] {8, 9}));
    }

    private static TrainingArguments args(int steps) {
        return TrainingArguments.from(Map.of("learning_rate", "1e-3", "max_steps", Integer.toString(steps), "batch_size",
                "2", "save_steps", "0", "logging_steps", "1", "max_nonfinite_steps", "3"), true);
    }

    @Test
    void oneNonFiniteStepIsSkippedAndCounted() throws Exception {
        Path model = TinyModel.write(tmp.resolve("model"), 11);
        Path out = Files.createDirectories(tmp.resolve("out"));
        try (LlamaModel policy = LlamaModel.load(model, DeviceSpec.CPU, ComputeDtype.FLOAT32)) {
            TrainResult r = new Trainer(args(4), poisoned(new SftObjective(records(), 0), Set.of(2)), out,
                    ModelFiles.of(model), Progress.NONE).train(policy, null);
            assertEquals(4, r.steps());
            assertEquals(1, r.skippedSteps());
        }
        // The skipped step writes no metrics line of its own.
        assertEquals(3, Files.readAllLines(out.resolve(MetricsLog.FILE)).size());
    }

    @Test
    void kNonFiniteStepsInARowStopWithACheckpointAndUnchangedWeights() throws Exception {
        Path model = TinyModel.write(tmp.resolve("model"), 12);
        Path out = Files.createDirectories(tmp.resolve("out"));
        try (LlamaModel policy = LlamaModel.load(model, DeviceSpec.CPU, ComputeDtype.FLOAT32)) {
            float[] before = policy.parameters().get("model.norm.weight").toFloatArray();
            TrainingStoppedException e = assertThrows(TrainingStoppedException.class, () -> new Trainer(args(10),
                    poisoned(new SftObjective(records(), 0), Set.of(1, 2, 3, 4)), out, ModelFiles.of(model),
                    Progress.NONE).train(policy, null));
            assertTrue(e.getMessage().startsWith("3 steps in a row (through step 3) had a non-finite loss or gradient;"
                    + " stopped, state saved in "), e.getMessage());
            assertEquals(1, e.exitCode());
            assertArrayEquals(before, policy.parameters().get("model.norm.weight").toFloatArray());
        }
        assertTrue(Files.isRegularFile(out.resolve("checkpoint-3").resolve(TrainerCheckpoint.STATE_FILE)));
    }
}

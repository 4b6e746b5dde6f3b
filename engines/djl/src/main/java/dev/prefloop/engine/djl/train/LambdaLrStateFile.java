package dev.prefloop.engine.djl.train;

import dev.prefloop.engine.djl.weights.TorchSaveWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LambdaLrStateFile writes a checkpoint's {@code scheduler.pt} as transformers' Trainer saves its
 * LambdaLR's {@code state_dict()} after {@code step} steps, one entry per optimizer group. prefloop
 * itself recomputes the schedule from the step on resume; the file is for a TRL run resuming the checkpoint.
 */
public final class LambdaLrStateFile {

    /** The file name transformers' Trainer uses. */
    public static final String FILE = "scheduler.pt";

    /** Decayed and not-decayed parameters, as {@link AdamWStateFile} groups them. */
    private static final int GROUPS = 2;

    private LambdaLrStateFile() {}

    /** Writes the scheduler's state after {@code step} steps of {@code schedule}. */
    public static void write(Path file, LrSchedule schedule, long step) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("base_lrs", repeat(schedule.learningRate()));
        s.put("last_epoch", step);
        s.put("_step_count", step + 1);
        s.put("_is_initial", false);
        s.put("_get_lr_called_within_step", false);
        s.put("_last_lr", repeat(schedule.at(step)));
        // transformers' lambdas are functools.partial objects, which LambdaLR saves as their (empty) __dict__
        s.put("lr_lambdas", List.of(Map.of(), Map.of()));
        TorchSaveWriter.write(file, s);
    }

    private static List<Object> repeat(double v) {
        return java.util.Collections.nCopies(GROUPS, v);
    }
}

package dev.prefloop.engine.djl.train;

import dev.prefloop.core.progress.Progress;
import dev.prefloop.engine.djl.loss.LossSettings;
import dev.prefloop.engine.djl.text.TokenizationOptions;
import java.nio.file.Path;
import java.util.List;

/** TrainChild is a training run in its own JVM, slowed per step so that a test can SIGKILL it mid-way. */
public final class TrainChild {

    private TrainChild() {}

    /** Arguments: MODEL DATA OUT SLEEP_MS RESUME(true|false). */
    public static void main(String[] args) {
        long sleep = Long.parseLong(args[3]);
        Progress slow = new Progress() {
            @Override
            public void start(String task, String unit, long total) {}

            @Override
            public void advance(long n) {
                try {
                    Thread.sleep(sleep);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void finish() {}
        };
        new PreferenceTraining(slow).run(settings(Path.of(args[0]), args[1], Path.of(args[2]),
                Boolean.parseBoolean(args[4])));
    }

    /** The run every resume test makes: 24 steps, a checkpoint every 8. */
    static PreferenceTrainingSettings settings(Path model, String data, Path out, boolean resume) {
        TrainingArguments args = TrainingArguments.from(java.util.Map.of("learning_rate", "2e-3", "max_steps", "24",
                "batch_size", "4", "gradient_accumulation_steps", "2", "save_steps", "8", "logging_steps", "4",
                "warmup_ratio", "0.1", "seed", "5"), false);
        return new PreferenceTrainingSettings(model, null, data, out, "cpu", args, List.of("sigmoid"), null, false,
                Double.NaN, Double.NaN, LossSettings.defaults(), TokenizationOptions.DEFAULT, resume, false);
    }
}

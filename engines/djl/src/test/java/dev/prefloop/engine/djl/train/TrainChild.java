package dev.prefloop.engine.djl.train;

import dev.prefloop.core.progress.Progress;
import dev.prefloop.engine.djl.loss.LossSettings;
import dev.prefloop.engine.djl.text.TokenizationOptions;
import java.nio.file.Path;
import java.util.List;

/** TrainChild is a training run in its own JVM, slowed per step so that a test can SIGKILL it mid-way. */
public final class TrainChild {

    private TrainChild() {}

    /** Arguments: MODEL DATA OUT SLEEP_MS RESUME(true|false) [lora|iopo]. */
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
        String mode = args.length > 5 ? args[5] : "";
        if (mode.equals("iopo")) {
            new IopoTraining(slow).run(iopoSettings(Path.of(args[0]), args[1], Path.of(args[2]),
                    Boolean.parseBoolean(args[4])), iopoSchedule());
            return;
        }
        new PreferenceTraining(slow).run(settings(Path.of(args[0]), args[1], Path.of(args[2]),
                Boolean.parseBoolean(args[4]), mode.equals("lora") ? LORA : LoraSettings.NONE));
    }

    /** The IOPO game of the resume test: protagonist 3 steps, adversary 4, two rounds (three phases:
     * the final adversary phase is off by default); a checkpoint every step. */
    static IopoSchedule iopoSchedule() {
        return IopoSchedule.take(new java.util.HashMap<>(java.util.Map.of("iopo_steps_mu", "3", "iopo_steps_nu", "4",
                "iopo_rounds", "2")), null);
    }

    /** The IOPO run of the resume test. */
    static PreferenceTrainingSettings iopoSettings(Path model, String data, Path out, boolean resume) {
        TrainingArguments args = TrainingArguments.from(java.util.Map.of("learning_rate", "2e-3", "batch_size", "4",
                "save_steps", "1", "logging_steps", "1", "seed", "7"), false);
        return new PreferenceTrainingSettings(model, null, data, out, "cpu", args, List.of("iopo"), null, false,
                Double.NaN, Double.NaN, LossSettings.defaults(), TokenizationOptions.DEFAULT, resume, false,
                LoraSettings.NONE);
    }

    /**
     * Starts the run in a child JVM (150 ms per step), SIGKILLs it once {@code checkpoint} under {@code out} is
     * complete ({@code checkpoint} may name a folder below OUT), and checks that it died before finishing; {@code extra}
     * are further arguments ("lora" or "iopo").
     */
    static void runAndKillAfter(Path model, Path data, Path out, String checkpoint, Path log, String... extra)
            throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new java.util.ArrayList<>(List.of(javaBin, "--add-opens=java.base/java.nio=ALL-UNNAMED",
                "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), TrainChild.class.getName(),
                model.toString(), data.toString(), out.toString(), "150", "false"));
        cmd.addAll(List.of(extra));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Path state = out.resolve(checkpoint).resolve(TrainerCheckpoint.STATE_FILE);
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(120);
        while (!java.nio.file.Files.exists(state) && child.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        if (!child.isAlive()) {
            throw new AssertionError("child ended before " + checkpoint + ": " + java.nio.file.Files.readString(log));
        }
        child.destroyForcibly(); // SIGKILL
        child.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        if (!java.nio.file.Files.exists(state)) {
            throw new AssertionError(checkpoint + " not written before the kill: " + java.nio.file.Files.readString(log));
        }
    }

    /** Both safetensors files hold the same tensors, byte for byte. */
    static void assertBitwiseEqual(Path expected, Path actual) {
        java.util.Map<String, dev.prefloop.engine.djl.weights.HostTensor> a =
                dev.prefloop.engine.djl.weights.SafetensorsReader.read(expected);
        java.util.Map<String, dev.prefloop.engine.djl.weights.HostTensor> b =
                dev.prefloop.engine.djl.weights.SafetensorsReader.read(actual);
        org.junit.jupiter.api.Assertions.assertEquals(a.keySet(), b.keySet());
        for (String name : a.keySet()) {
            org.junit.jupiter.api.Assertions.assertEquals(a.get(name).data(), b.get(name).data(),
                    name + " differs bitwise after resume");
        }
    }

    /** The adapter of the LoRA resume test: every projection, rank 4, with dropout (so its masks must replay). */
    static final LoraSettings LORA = new LoraSettings(true, 4, 8, 0.1, List.of("all-linear"), false, null, null,
            dev.prefloop.engine.djl.model.ComputeDtype.FLOAT32);

    /** The run every resume test makes: 24 steps, a checkpoint every 8. */
    static PreferenceTrainingSettings settings(Path model, String data, Path out, boolean resume) {
        return settings(model, data, out, resume, LoraSettings.NONE);
    }

    /** The same run with {@code lora}. */
    static PreferenceTrainingSettings settings(Path model, String data, Path out, boolean resume, LoraSettings lora) {
        TrainingArguments args = TrainingArguments.from(java.util.Map.of("learning_rate", "2e-3", "max_steps", "24",
                "batch_size", "4", "gradient_accumulation_steps", "2", "save_steps", "8", "logging_steps", "4",
                "warmup_ratio", "0.1", "seed", "5"), false);
        return new PreferenceTrainingSettings(model, null, data, out, "cpu", args, List.of("sigmoid"), null, false,
                Double.NaN, Double.NaN, LossSettings.defaults(), TokenizationOptions.DEFAULT, resume, false, lora);
    }
}

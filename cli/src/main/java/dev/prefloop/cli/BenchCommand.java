package dev.prefloop.cli;

import dev.prefloop.core.error.UsageException;
import dev.prefloop.engine.djl.bench.BenchReport;
import dev.prefloop.engine.djl.bench.BenchService;
import dev.prefloop.engine.djl.bench.BenchSettings;
import dev.prefloop.engine.djl.init.ModelPreset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** BenchCommand is {@code prefloop bench}: scoring, DPO-step and decoding throughput on this machine. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Measure scoring, DPO-step, decoding and two-model lockstep decoding throughput.",
        description = {
            "Runs the workloads of ../shared/bench/torch_ref.py (same token formula, padding, shapes and field names) through prefloop's own code: "
                    + "logps (forward scoring of B rows of P+R tokens), dpo-step (the trainer's step over B pairs: shared-prompt layout, sigmoid loss, backward, AdamW), "
                    + "decode (B prompts of P tokens, G sampled tokens with the KV cache, temperature/top-p), "
                    + "pilaf-decode (the same with two models in lockstep mixed as (1+beta)*h_policy - beta*h_ref), "
                    + "matmul (fp32 GEMM rate, to tell the machine's state).",
            "Without --model a random model of --preset is written to a temporary directory and removed afterwards. "
                    + "Timings are wall clock, fp32 on CPU; the median over measured iterations is reported. "
                    + "The machine's speed drifts: compare programs only in interleaved runs (docs/benchmarks.md).%n"})
public final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "BENCH", arity = "0..*",
            description = "Benchmarks to run: logps, dpo-step, decode, pilaf-decode, matmul (default: all).")
    List<String> benches = new ArrayList<>();

    @Option(names = "--model", paramLabel = "DIR",
            description = "Hugging Face model directory to benchmark (default: a random --preset model).")
    Path model;

    @Option(names = "--ref", paramLabel = "DIR",
            description = "Reference model of pilaf-decode, same vocabulary (default: a random --preset model, seed + 1).")
    Path ref;

    @Option(names = "--preset", paramLabel = "NAME", defaultValue = "tiny",
            description = "Random model shape when no --model: tiny (hidden 256, 4 layers, vocab 4096), small (hidden 512, 8 layers, vocab 8192) or base (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = {"-B", "--batch"}, paramLabel = "N", defaultValue = "8",
            description = "Rows scored, pairs per DPO step, prompts decoded (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = {"-P", "--prompt-len"}, paramLabel = "N", defaultValue = "64", description = "Prompt tokens (default: ${DEFAULT-VALUE}).")
    int promptLen;

    @Option(names = {"-R", "--response-len"}, paramLabel = "N", defaultValue = "64",
            description = "Response tokens of scored and DPO rows (default: ${DEFAULT-VALUE}).")
    int responseLen;

    @Option(names = {"-G", "--new-tokens"}, paramLabel = "N", defaultValue = "64",
            description = "Tokens sampled per prompt (default: ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "20",
            description = "Measured iterations of logps and dpo-step (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "3",
            description = "Unmeasured iterations before them (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "3",
            description = "Measured decode runs, after one warmup run (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "2",
            description = "libtorch intra-op threads; 0 keeps libtorch's default (default: ${DEFAULT-VALUE}, as torch_ref.py).")
    int threads;

    @Option(names = "--beta", paramLabel = "X", defaultValue = "0.1",
            description = "DPO beta and PILAF mixing beta (default: ${DEFAULT-VALUE}).")
    double beta;

    @Option(names = "--temperature", paramLabel = "X", defaultValue = "1.0", description = "Decode temperature (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-p", paramLabel = "X", defaultValue = "0.95", description = "Decode nucleus mass (default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "Seed of the random weights and of sampling (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    JsonMixin json;

    @Override
    public Integer call() {
        ModelPreset p = ModelPreset.parse(preset);
        for (Path dir : new Path[] {model, ref}) {
            if (dir != null && !Files.isDirectory(dir)) {
                throw new UsageException(dir + ": not a directory (--model and --ref take a Hugging Face model directory)");
            }
        }
        BenchSettings settings;
        try {
            settings = new BenchSettings(benches, model, ref, p, batch, promptLen, responseLen, newTokens, steps, warmup,
                    runs, threads, beta, temperature, topP, seed);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        BenchReport report = new BenchService().run(settings);
        if (json.json) {
            json.print(spec.commandLine().getOut(), Map.of("setup", report.setup(), "results", report.results()));
        } else {
            spec.commandLine().getOut().print(report.table());
            spec.commandLine().getOut().flush();
        }
        return ExitCodes.OK;
    }
}

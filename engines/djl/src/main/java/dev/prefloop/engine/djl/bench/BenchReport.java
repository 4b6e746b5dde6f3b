package dev.prefloop.engine.djl.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * BenchReport is one {@code prefloop bench} run: the machine and model it ran on, then one entry per
 * benchmark with torch_ref.py's field names (bench, median_ms, tokens_per_s, ...).
 */
public record BenchReport(Map<String, Object> setup, List<Map<String, Object>> results) {

    /** A plain-text table: one line per benchmark with its headline numbers. */
    public String table() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "model %s  (%s params, %s flop params)  threads %s  %s%n",
                setup.get("model"), setup.get("total_params"), setup.get("flop_params"), setup.get("threads"),
                setup.get("torch")));
        s.append(String.format(Locale.ROOT, "%-13s %12s %12s %12s %14s %10s  %s%n", "benchmark", "median ms", "min ms",
                "tokens/s", "decode tok/s", "GFLOP/s", "notes"));
        for (Map<String, Object> r : results) {
            String bench = (String) r.get("bench");
            String notes = switch (bench) {
                case "logps" -> "logps_head " + r.get("logps_head");
                case "dpo-step" -> "loss " + r.get("loss_first") + " -> " + r.get("loss_last");
                case "decode" -> "prefill " + r.get("prefill_ms") + " ms, step " + r.get("step_ms_median") + " ms";
                case "pilaf-decode" -> "prefill " + r.get("prefill_ms") + " ms, step " + r.get("step_ms_median")
                        + " ms, cost vs decode " + r.getOrDefault("cost_vs_decode", "-") + " (paired runs "
                        + r.get("cost_vs_decode_paired") + ")";
                case "matmul" -> "GFLOP/s by n: " + r.get("gflops_by_n");
                default -> "";
            };
            s.append(String.format(Locale.ROOT, "%-13s %12s %12s %12s %14s %10s  %s%n", bench,
                    r.getOrDefault("median_ms", "-"), r.getOrDefault("min_ms", "-"), r.getOrDefault("tokens_per_s", "-"),
                    r.getOrDefault("decode_tokens_per_s", "-"),
                    r.getOrDefault("gflops_per_s", r.getOrDefault("decode_gflops_per_s", "-")), notes));
        }
        return s.toString();
    }
}

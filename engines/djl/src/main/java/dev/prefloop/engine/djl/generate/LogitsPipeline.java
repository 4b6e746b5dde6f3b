package dev.prefloop.engine.djl.generate;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;

/**
 * LogitsPipeline applies the logits processors in transformers' order (generation/utils.py,
 * _get_logits_processor): repetition penalty, then, when sampling, temperature, top-k, top-p,
 * min-p. Greedy decoding (temperature 0) applies the repetition penalty only, as do_sample=False
 * does. Processors that are off (penalty 1, top_k 0, top_p 1, min_p 0) are left out.
 */
public final class LogitsPipeline {

    private final List<LogitsProcessor> processors;

    /** The pipeline the settings ask for. */
    public LogitsPipeline(SamplingSettings s) {
        List<LogitsProcessor> p = new ArrayList<>();
        if (s.repetition_penalty() != 1) {
            p.add(new RepetitionPenalty(s.repetition_penalty()));
        }
        if (!s.greedy()) {
            if (s.temperature() != 1) {
                p.add(new Temperature(s.temperature()));
            }
            if (s.top_k() > 0) {
                p.add(new TopK(s.top_k()));
            }
            if (s.top_p() < 1) {
                p.add(new TopP(s.top_p()));
            }
            if (s.min_p() > 0) {
                p.add(new MinP(s.min_p()));
            }
        }
        this.processors = List.copyOf(p);
    }

    /** The processors in the order they run. */
    public List<LogitsProcessor> processors() {
        return processors;
    }

    /** Whether some processor reads the seen-token mask. */
    public boolean needsSeenTokens() {
        return processors.stream().anyMatch(LogitsProcessor::needsSeenTokens);
    }

    /** scores (B, V) float32 -> processed (B, V); {@code seen} as {@link LogitsProcessor#process}. */
    public NDArray apply(NDArray scores, NDArray seen) {
        NDArray out = scores;
        for (LogitsProcessor p : processors) {
            out = p.process(out, seen);
        }
        return out;
    }
}

package dev.prefloop.engine.djl.generate;

import java.util.List;

/**
 * SamplingSettings are the decoding options under transformers' GenerationConfig names.
 *
 * @param temperature 0 = greedy (argmax after the repetition penalty, no warpers, as transformers'
 *     do_sample=False); above 0 sample from softmax(processed scores)
 * @param top_k keep the k highest scores; 0 = off
 * @param top_p nucleus mass in (0, 1]; 1 = off
 * @param min_p in [0, 1]; 0 = off
 * @param repetition_penalty > 0; 1 = off
 * @param max_new_tokens at least 1
 * @param stop_strings stop once the decoded output contains one (needs a {@link Detokenizer}; the
 *     row's whole output is decoded after every token, so keep them for short outputs)
 * @param seed the run seed; each sequence's stream is derived from it ({@link SequenceRandom})
 */
public record SamplingSettings(double temperature, int top_k, double top_p, double min_p, double repetition_penalty,
        int max_new_tokens, List<String> stop_strings, long seed) {

    /** Checks each option's range, naming the option. */
    public SamplingSettings {
        stop_strings = stop_strings == null ? List.of() : List.copyOf(stop_strings);
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be >= 0 (0 = greedy), got " + temperature);
        }
        if (top_k < 0) {
            throw new IllegalArgumentException("top_k must be >= 0 (0 = off), got " + top_k);
        }
        if (!(top_p > 0 && top_p <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1] (1 = off), got " + top_p);
        }
        if (!(min_p >= 0 && min_p <= 1)) {
            throw new IllegalArgumentException("min_p must be in [0, 1] (0 = off), got " + min_p);
        }
        if (!(repetition_penalty > 0) || Double.isInfinite(repetition_penalty)) {
            throw new IllegalArgumentException("repetition_penalty must be > 0 (1 = off), got " + repetition_penalty);
        }
        if (max_new_tokens < 1) {
            throw new IllegalArgumentException("max_new_tokens must be >= 1, got " + max_new_tokens);
        }
        for (String s : stop_strings) {
            if (s == null || s.isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be empty");
            }
        }
    }

    /** Greedy decoding of up to {@code maxNewTokens} tokens, nothing else on. */
    public static SamplingSettings greedy(int maxNewTokens) {
        return new SamplingSettings(0, 0, 1, 0, 1, maxNewTokens, List.of(), 0);
    }

    /** Plain sampling at a temperature with a seed, nothing else on. */
    public static SamplingSettings sampling(double temperature, int maxNewTokens, long seed) {
        return new SamplingSettings(temperature, 0, 1, 0, 1, maxNewTokens, List.of(), seed);
    }

    /** These settings with top_p. */
    public SamplingSettings withTopP(double p) {
        return new SamplingSettings(temperature, top_k, p, min_p, repetition_penalty, max_new_tokens, stop_strings, seed);
    }

    /** These settings with top_k. */
    public SamplingSettings withTopK(int k) {
        return new SamplingSettings(temperature, k, top_p, min_p, repetition_penalty, max_new_tokens, stop_strings, seed);
    }

    /** These settings with min_p. */
    public SamplingSettings withMinP(double p) {
        return new SamplingSettings(temperature, top_k, top_p, p, repetition_penalty, max_new_tokens, stop_strings, seed);
    }

    /** These settings with repetition_penalty. */
    public SamplingSettings withRepetitionPenalty(double penalty) {
        return new SamplingSettings(temperature, top_k, top_p, min_p, penalty, max_new_tokens, stop_strings, seed);
    }

    /** These settings with stop strings. */
    public SamplingSettings withStopStrings(List<String> stops) {
        return new SamplingSettings(temperature, top_k, top_p, min_p, repetition_penalty, max_new_tokens, stops, seed);
    }

    /** Whether decoding takes the argmax instead of sampling. */
    public boolean greedy() {
        return temperature == 0;
    }
}

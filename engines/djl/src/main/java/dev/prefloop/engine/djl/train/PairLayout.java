package dev.prefloop.engine.djl.train;

import dev.prefloop.engine.djl.model.DecoderConfig;

/** PairLayout: how a pair's two completions go through the model in one pass. */
public enum PairLayout {
    /** One row per pair: the prompt once, both completions attending to it ({@link SharedPromptPairs}). */
    SHARED_PROMPT,
    /** DPOTrainer's concatenated_forward: 2N rows, prompt + chosen then prompt + rejected. */
    CONCATENATED;

    /** The shared layout unless a sliding-window layer needs the plain causal masks. */
    public static PairLayout forModel(DecoderConfig config) {
        for (int i = 0; i < config.num_hidden_layers(); i++) {
            if (config.windowOf(i) > 0) {
                return CONCATENATED;
            }
        }
        return SHARED_PROMPT;
    }
}

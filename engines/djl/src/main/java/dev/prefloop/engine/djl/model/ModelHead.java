package dev.prefloop.engine.djl.model;

import dev.prefloop.core.error.ModelException;

/** ModelHead is what sits on the final norm: a language-model head or a sequence-score head. */
public enum ModelHead {
    /** {@code *ForCausalLM}: lm_head (or the tied embedding) gives next-token logits (B, T, V). */
    CAUSAL_LM,
    /** {@code *ForSequenceClassification}: score.weight on the last non-pad token gives (B, num_labels). */
    SEQUENCE_CLASSIFICATION;

    /** The head of an {@code architectures} class name such as "LlamaForCausalLM". */
    static ModelHead of(String architecture, String where) {
        if (architecture.endsWith("ForCausalLM")) {
            return CAUSAL_LM;
        }
        if (architecture.endsWith("ForSequenceClassification")) {
            return SEQUENCE_CLASSIFICATION;
        }
        throw new ModelException(where + ": architecture \"" + architecture
                + "\" is not supported (only *ForCausalLM and *ForSequenceClassification)");
    }
}

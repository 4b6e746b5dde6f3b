package dev.prefloop.engine.djl.sample;

import dev.prefloop.engine.djl.generate.Generation;

/**
 * SampledResponse is one response with the generator that drew it.
 *
 * @param generator pi, pi+, pi- or ref
 * @param generation the tokens, text, finish reason and log-probabilities
 * @param refLogp the response's log-probability under the reference, or NaN when not computed
 */
public record SampledResponse(String generator, Generation generation, double refLogp) {

    /** The response's log-probability under the policy (raw logits, no temperature or truncation). */
    public double logp() {
        return generation.modelLogps()[0];
    }
}

package dev.prefloop.engine.djl.generate;

/**
 * Generation is one sampled continuation.
 *
 * @param tokens the generated ids, the final EOS id or stop-completing token included
 * @param text the decoded tokens, or null when no {@link Detokenizer} was given
 * @param finish why it stopped
 * @param sampleLogp sum over the tokens of log p under the distribution they were drawn from (the
 *     mixed, processed logits; 0 for greedy is not special-cased: greedy reports the processed
 *     distribution's log-probability of the argmax)
 * @param modelLogps per model in lockstep order, the sum of log softmax(raw logits) of the tokens
 */
public record Generation(long[] tokens, String text, FinishReason finish, double sampleLogp, double[] modelLogps) {}

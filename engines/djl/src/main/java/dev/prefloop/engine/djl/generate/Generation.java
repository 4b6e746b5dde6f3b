package dev.prefloop.engine.djl.generate;

/**
 * Generation is one sampled continuation.
 *
 * @param tokens the generated ids, the final EOS id or stop-completing token included
 * @param text the decoded tokens, or null when no {@link Detokenizer} was given
 * @param finish why it stopped
 * @param sampleLogp sum over the tokens of log p under the distribution they were drawn from:
 *     log softmax of the mixed logits after the logits processors (for greedy decoding, the
 *     argmax's log-probability under that distribution)
 * @param modelLogps per model in lockstep order, the sum of log softmax(raw logits) of the tokens
 */
public record Generation(long[] tokens, String text, FinishReason finish, double sampleLogp, double[] modelLogps) {}

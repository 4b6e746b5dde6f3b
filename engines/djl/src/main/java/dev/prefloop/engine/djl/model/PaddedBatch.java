package dev.prefloop.engine.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * PaddedBatch is prompt + response token sequences left-padded to one length T, as transformers
 * batches them: input ids (B, T) int64, attention mask (B, T) (1 real, 0 pad) and response mask
 * (B, T) (1 on response tokens, the ones whose log-probabilities are summed).
 *
 * <p>Pad with the config's pad_token_id when scoring with a reward model: its pooling looks for the
 * rightmost id that is not pad_token_id. For a causal LM any id works (pads are masked).
 */
public record PaddedBatch(NDArray inputIds, NDArray attentionMask, NDArray responseMask) {

    /** Row b is prompts[b] followed by responses[b], with pads on the left. */
    public static PaddedBatch leftPadded(NDManager manager, List<long[]> prompts, List<long[]> responses, long padId) {
        if (prompts.size() != responses.size() || prompts.isEmpty()) {
            throw new IllegalArgumentException(prompts.size() + " prompts and " + responses.size()
                    + " responses: need the same number, at least one");
        }
        int b = prompts.size();
        int t = 0;
        for (int r = 0; r < b; r++) {
            t = Math.max(t, prompts.get(r).length + responses.get(r).length);
        }
        long[][] ids = new long[b][t];
        long[][] mask = new long[b][t];
        long[][] response = new long[b][t];
        for (int r = 0; r < b; r++) {
            long[] p = prompts.get(r);
            long[] s = responses.get(r);
            int pad = t - p.length - s.length;
            for (int c = 0; c < t; c++) {
                boolean real = c >= pad;
                ids[r][c] = !real ? padId : c - pad < p.length ? p[c - pad] : s[c - pad - p.length];
                mask[r][c] = real ? 1 : 0;
                response[r][c] = real && c - pad >= p.length ? 1 : 0;
            }
        }
        return new PaddedBatch(manager.create(ids), manager.create(mask), manager.create(response));
    }
}

package dev.prefloop.engine.djl.bench;

import dev.prefloop.engine.djl.train.TokenizedPair;
import java.util.ArrayList;
import java.util.List;

/**
 * BenchInputs are torch_ref.py's deterministic token ids: id(stream, b, t) = ((1103515245 *
 * (stream * 1000003 + b * 10007 + t) + 12345) mod 2^31) mod V, stream 0 = prompt, 1 = chosen,
 * 2 = rejected, t = absolute position; rows right-padded with id 0, response length of row b
 * R - ((b + stream) mod 4) * R / 8.
 */
final class BenchInputs {

    private BenchInputs() {}

    static long id(int stream, int b, int t, int vocab) {
        long x = (long) stream * 1000003L + (long) b * 10007L + t;
        return Math.floorMod(Math.floorMod(1103515245L * x + 12345L, 1L << 31), (long) vocab);
    }

    /** Prompt b: id(0, b, 0..P-1). */
    static long[] prompt(int b, int promptLen, int vocab) {
        long[] p = new long[promptLen];
        for (int t = 0; t < promptLen; t++) {
            p[t] = id(0, b, t, vocab);
        }
        return p;
    }

    /** The response length of row b of a stream. */
    static int responseLength(int stream, int b, int responseLen) {
        return responseLen - ((b + stream) % 4) * responseLen / 8;
    }

    /** Rows (B, P + R) of prompt + response of a stream, right-padded with 0. */
    static long[][] rows(int stream, int batch, int promptLen, int responseLen, int vocab) {
        long[][] ids = new long[batch][promptLen + responseLen];
        for (int b = 0; b < batch; b++) {
            int len = responseLength(stream, b, responseLen);
            for (int t = 0; t < promptLen + len; t++) {
                ids[b][t] = id(t < promptLen ? 0 : stream, b, t, vocab);
            }
        }
        return ids;
    }

    /** B pairs of the dpo-step: prompt b, then stream 1 (chosen) and stream 2 (rejected) responses, unpadded. */
    static List<TokenizedPair> pairs(int batch, int promptLen, int responseLen, int vocab) {
        List<TokenizedPair> pairs = new ArrayList<>(batch);
        for (int b = 0; b < batch; b++) {
            long[][] responses = new long[2][];
            for (int stream = 1; stream <= 2; stream++) {
                long[] r = new long[responseLength(stream, b, responseLen)];
                for (int k = 0; k < r.length; k++) {
                    r[k] = id(stream, b, promptLen + k, vocab);
                }
                responses[stream - 1] = r;
            }
            pairs.add(new TokenizedPair(prompt(b, promptLen, vocab), responses[0], responses[1], Double.NaN,
                    Double.NaN));
        }
        return pairs;
    }

    /** The scored columns (B, P + R): 1 on real response tokens. */
    static long[][] responseMask(int stream, int batch, int promptLen, int responseLen) {
        long[][] mask = new long[batch][promptLen + responseLen];
        for (int b = 0; b < batch; b++) {
            int len = responseLength(stream, b, responseLen);
            for (int t = promptLen; t < promptLen + len; t++) {
                mask[b][t] = 1;
            }
        }
        return mask;
    }

    /** The attention mask (B, P + R) of the right-padded rows: 1 on the prompt and the real response tokens. */
    static long[][] attentionMask(int stream, int batch, int promptLen, int responseLen) {
        long[][] mask = new long[batch][promptLen + responseLen];
        for (int b = 0; b < batch; b++) {
            java.util.Arrays.fill(mask[b], 0, promptLen + responseLength(stream, b, responseLen), 1L);
        }
        return mask;
    }
}

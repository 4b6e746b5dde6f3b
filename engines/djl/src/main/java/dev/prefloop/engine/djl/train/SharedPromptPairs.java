package dev.prefloop.engine.djl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import dev.prefloop.engine.djl.model.DtypeCast;
import dev.prefloop.engine.djl.model.LlamaModel;
import dev.prefloop.engine.djl.model.PackedRows;
import java.util.List;

/**
 * SharedPromptPairs computes a pair's chosen and rejected log-probability sums in one row whose prompt is run once:
 * row b is [prompt | chosen | rejected | right padding], packed, so T is the longest p + c + r of the batch rather
 * than the longest prompt plus the longest chosen plus the longest rejected. Both completions attend to the prompt
 * (so its gradient gets both contributions) but not to each other, and the rejected tokens take the positions
 * they would have right after the prompt. The LM head runs only where a completion token is predicted, so
 * (B, T, V) logits are never made, and (without WPO's logits) the projections and MLPs run on the real tokens only
 * ({@link PackedRows}), not on the rows' right padding. Per row this is what two concatenated rows compute, with the prompt's trunk
 * tokens once instead of twice and no head work on prompts.
 *
 * <p>Letters: B pairs, T = max(p + c + r) columns, C hidden, V vocab, L = Lc or Lr scored columns (the longest
 * chosen or rejected completion).
 */
final class SharedPromptPairs {

    /**
     * The sums and, for WPO, the logits at the scored columns.
     *
     * @param chosen (B) summed log p of the chosen completions
     * @param rejected (B) the same for the rejected completions
     * @param chosenLogits (B, Lc, V) logits predicting each chosen token (null unless asked for)
     * @param rejectedLogits (B, Lr, V)
     * @param chosenTargets (B, Lc) int64 chosen ids (pads 0)
     * @param rejectedTargets (B, Lr)
     * @param chosenMask (B, Lc) float32, 1 on real chosen tokens
     * @param rejectedMask (B, Lr)
     * @param chosenTokens (B, Lc) per-token log p of the chosen tokens, 0 on pads
     * @param rejectedTokens (B, Lr)
     */
    record Result(NDArray chosen, NDArray rejected, NDArray chosenLogits, NDArray rejectedLogits,
            NDArray chosenTargets, NDArray rejectedTargets, NDArray chosenMask, NDArray rejectedMask,
            NDArray chosenTokens, NDArray rejectedTokens) {}

    private SharedPromptPairs() {}

    /** The sums, per-token values and logits of the pairs {@code examples}, rows padded with {@code padId}. */
    static Result forward(LlamaModel model, NDManager m, List<TokenizedPair> pairs, int[] examples, long padId) {
        return forward(model, m, pairs, examples, padId, true);
    }

    /**
     * As {@link #forward(LlamaModel, NDManager, List, int[], long)}; without {@code withLogits} the result's logits
     * are null and the LM head runs once, on the real completion tokens only (no head rows for the padding of the
     * shorter completions).
     */
    static Result forward(LlamaModel model, NDManager m, List<TokenizedPair> pairs, int[] examples, long padId,
            boolean withLogits) {
        int b = examples.length;
        int lc = 0;
        int lr = 0;
        int t = 0;
        for (int e : examples) {
            TokenizedPair p = pairs.get(e);
            lc = Math.max(lc, p.chosen().length);
            lr = Math.max(lr, p.rejected().length);
            t = Math.max(t, p.prompt().length + p.chosen().length + p.rejected().length);
        }
        long[] ids = new long[b * t];
        long[] pos = new long[b * t];
        float[] mask = new float[b * t * t];
        long[] chosenFrom = new long[b * lc];
        long[] rejectedFrom = new long[b * lr];
        long[] chosenIds = new long[b * lc];
        long[] rejectedIds = new long[b * lr];
        float[] chosenReal = new float[b * lc];
        float[] rejectedReal = new float[b * lr];
        java.util.Arrays.fill(ids, padId);
        java.util.Arrays.fill(pos, 1);
        java.util.Arrays.fill(mask, -Float.MAX_VALUE);
        for (int r = 0; r < b; r++) {
            TokenizedPair p = pairs.get(examples[r]);
            int np = p.prompt().length;
            int nc = p.chosen().length;
            // region of each column: 0 prompt, 1 chosen, 2 rejected; -1 pad
            int[] region = new int[t];
            java.util.Arrays.fill(region, -1);
            for (int k = 0; k < np; k++) {
                ids[r * t + k] = p.prompt()[k];
                pos[r * t + k] = k;
                region[k] = 0;
            }
            fillCompletion(p.chosen(), r, t, np, np, 1, ids, pos, region);
            fillCompletion(p.rejected(), r, t, np + nc, np, 2, ids, pos, region);
            for (int q = 0; q < t; q++) {
                for (int k = 0; k < t; k++) {
                    boolean visible = region[k] >= 0 && (region[k] == 0 ? k <= q || region[q] > 0
                            : region[k] == region[q] && k <= q);
                    if (visible) {
                        mask[(r * t + q) * t + k] = 0f;
                    }
                }
            }
            // Token m of a completion is predicted at the column before it; the first at the prompt's last column.
            scored(p.chosen(), r, lc, np - 1, np, chosenFrom, chosenIds, chosenReal);
            scored(p.rejected(), r, lr, np - 1, np + nc, rejectedFrom, rejectedIds, rejectedReal);
        }
        NDArray positions = m.create(pos, new Shape(b, t));
        NDArray additive = m.create(mask, new Shape(b, 1, 1, t, t));
        if (!withLogits) {
            // Padding-free trunk: only the real tokens go through the projections and MLPs.
            long[] real = new long[b * t];
            int n = 0;
            for (int r = 0; r < b; r++) {
                TokenizedPair p = pairs.get(examples[r]);
                int length = p.prompt().length + p.chosen().length + p.rejected().length; // right-padded after it
                java.util.Arrays.fill(real, r * t, r * t + length, 1L);
                n += length;
            }
            PackedRows packing = PackedRows.of(real, b, t, m);
            long[] realIds = new long[n];
            for (int cell = 0, k = 0; cell < real.length; cell++) {
                if (real[cell] != 0) {
                    realIds[k++] = ids[cell];
                }
            }
            NDArray hidden = model.packedHiddenStates(m.create(realIds), positions, additive, packing); // (N, C)
            return packedHead(model, m, hidden, packing.rowOfCell(), new long[][] {chosenFrom, rejectedFrom},
                    new long[][] {chosenIds, rejectedIds}, new float[][] {chosenReal, rejectedReal}, b, t,
                    new int[] {lc, lr});
        }
        NDArray hidden = model.maskedHiddenStates(m.create(ids, new Shape(b, t)), positions, additive); // (B, T, C)
        Side c = side(model, m, hidden, chosenFrom, chosenIds, chosenReal, b, lc);
        Side rj = side(model, m, hidden, rejectedFrom, rejectedIds, rejectedReal, b, lr);
        return new Result(c.sums, rj.sums, c.logits, rj.logits, c.targets, rj.targets, c.mask, rj.mask, c.tokens,
                rj.tokens);
    }

    /**
     * The per-token log-probabilities of both sides from one LM head over the N real completion tokens: their
     * predicting columns picked out of the packed hidden states (rowOfCell maps a grid cell to its row),
     * (N, C) -> (N, V) -> (N), then spread back to (B, L) per side with 0 on padding. Sides: 0 chosen,
     * 1 rejected; from, targets and real are (B * L) per side.
     */
    private static Result packedHead(LlamaModel model, NDManager m, NDArray hidden, long[] rowOfCell, long[][] from,
            long[][] targets, float[][] real, int b, int t, int[] l) {
        int n = 0;
        for (float[] side : real) {
            for (float x : side) {
                n += x > 0 ? 1 : 0;
            }
        }
        long[] rows = new long[n]; // row of the flattened (B * T, C) hidden states predicting each real token
        long[] picked = new long[n];
        long[][] slot = new long[2][]; // (B * L) per side: the token's place among the N, or N (a zero) on padding
        int k = 0;
        for (int side = 0; side < 2; side++) {
            slot[side] = new long[b * l[side]];
            for (int i = 0; i < slot[side].length; i++) {
                if (real[side][i] > 0) {
                    rows[k] = rowOfCell[(i / l[side]) * t + (int) from[side][i]];
                    picked[k] = targets[side][i];
                    slot[side][i] = k++;
                } else {
                    slot[side][i] = n;
                }
            }
        }
        NDArray index = m.create(rows);
        NDArray predicting = index.getNDArrayInternal().embedding(index, hidden, SparseFormat.DENSE).singletonOrThrow();
        NDArray logits = model.lmHead(predicting); // (N, C) -> (N, V)
        NDArray scoring = DtypeCast.to(logits, DataType.FLOAT32);
        NDArray lp = scoring.logSoftmax(1).gather(m.create(picked, new Shape(n, 1)), 1).reshape(n); // (N)
        NDArray withZero = lp.concat(m.zeros(new Shape(1))); // (N + 1): slot N is padding's 0
        NDArray[] tokens = new NDArray[2];
        for (int side = 0; side < 2; side++) {
            tokens[side] = withZero.gather(m.create(slot[side]), 0).reshape(b, l[side]); // (B, L)
        }
        int[] axis = {1};
        return new Result(tokens[0].sum(axis), tokens[1].sum(axis), null, null,
                m.create(targets[0], new Shape(b, l[0])), m.create(targets[1], new Shape(b, l[1])),
                m.create(real[0], new Shape(b, l[0])), m.create(real[1], new Shape(b, l[1])), tokens[0], tokens[1]);
    }

    private record Side(NDArray sums, NDArray logits, NDArray targets, NDArray mask, NDArray tokens) {}

    private static Side side(LlamaModel model, NDManager m, NDArray hidden, long[] from, long[] targets, float[] real,
            int b, int l) {
        long c = hidden.getShape().get(2);
        NDArray index = m.create(from, new Shape(b, l, 1)).broadcast(b, l, c); // (B, L, C)
        NDArray logits = model.lmHead(hidden.gather(index, 1)); // (B, L, C) -> (B, L, V)
        NDArray scoring = DtypeCast.to(logits, DataType.FLOAT32);
        NDArray tgt = m.create(targets, new Shape(b, l));
        NDArray lp = scoring.logSoftmax(2).gather(tgt.expandDims(2), 2).squeeze(2); // (B, L)
        NDArray mask = m.create(real, new Shape(b, l));
        NDArray kept = NDArrays.where(mask.gt(m.zeros(new Shape())), lp, m.zeros(new Shape()));
        return new Side(kept.sum(new int[] {1}), logits, tgt, mask, kept);
    }

    private static void fillCompletion(long[] tokens, int r, int t, int start, int promptLength, int region,
            long[] ids, long[] pos, int[] regions) {
        for (int k = 0; k < tokens.length; k++) {
            ids[r * t + start + k] = tokens[k];
            pos[r * t + start + k] = promptLength + k;
            regions[start + k] = region;
        }
    }

    private static void scored(long[] tokens, int r, int l, int lastPromptColumn, int start, long[] from, long[] ids,
            float[] real) {
        for (int k = 0; k < l; k++) {
            from[r * l + k] = k == 0 || k >= tokens.length ? Math.max(lastPromptColumn, 0) : start + k - 1;
            if (k < tokens.length) {
                ids[r * l + k] = tokens[k];
                // Without a prompt nothing predicts the first token: unscored, as in a concatenated row.
                real[r * l + k] = k > 0 || lastPromptColumn >= 0 ? 1f : 0f;
            }
        }
    }
}

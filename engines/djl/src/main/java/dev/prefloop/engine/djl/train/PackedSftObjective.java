package dev.prefloop.engine.djl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.prefloop.engine.djl.model.LlamaModel;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * PackedSftObjective: SFT over packed rows ({@link SftPacking}). Each record in a row attends only to itself
 * (a block-diagonal causal mask) and its positions restart at 0, so packing changes no log-probability, only
 * the padding; the LM head runs only where a completion token is predicted. Letters: B rows, T columns, L
 * scored tokens per row, C hidden, V vocab.
 */
public final class PackedSftObjective implements TrainingObjective {

    private final List<TokenizedCompletion> records;
    private final List<List<Integer>> rows;
    private final long padId;

    /** Packs {@code records} into rows of at most {@code maxLength} tokens. */
    public PackedSftObjective(List<TokenizedCompletion> records, int maxLength, long padId) {
        this.records = records;
        this.rows = SftPacking.pack(records, maxLength);
        this.padId = padId;
    }

    /** The number of packed rows (the examples steps draw from). */
    @Override
    public int size() {
        return rows.size();
    }

    @Override
    public int longestRow(int example) {
        return rows.get(example).stream().mapToInt(i -> records.get(i).length()).sum();
    }

    @Override
    public int rowsPerExample() {
        return 1;
    }

    @Override
    public double normaliser(int[] stepExamples) {
        return Arrays.stream(stepExamples).mapToLong(this::scoredTokens).sum();
    }

    private long scoredTokens(int row) {
        return rows.get(row).stream().mapToLong(i -> records.get(i).scoredTokens()).sum();
    }

    @Override
    public Micro compute(LlamaModel model, int[] examples, NDManager m) {
        int b = examples.length;
        int t = Arrays.stream(examples).map(this::longestRow).max().orElse(1);
        int l = (int) Arrays.stream(examples).mapToLong(this::scoredTokens).max().orElse(1);
        long[] ids = new long[b * t];
        long[] pos = new long[b * t];
        float[] mask = new float[b * t * t];
        long[] from = new long[b * l];
        long[] targets = new long[b * l];
        float[] real = new float[b * l];
        Arrays.fill(ids, padId);
        Arrays.fill(mask, -Float.MAX_VALUE);
        long tokens = 0;
        for (int r = 0; r < b; r++) {
            int column = 0;
            int scored = 0;
            for (int index : rows.get(examples[r])) {
                TokenizedCompletion rec = records.get(index);
                int start = column;
                int np = rec.prompt().length;
                for (int k = 0; k < rec.length(); k++) {
                    ids[r * t + column] = k < np ? rec.prompt()[k] : rec.completion()[k - np];
                    pos[r * t + column] = k;
                    for (int key = start; key <= column; key++) {
                        mask[(r * t + column) * t + key] = 0f; // causal within the record only
                    }
                    if (k >= np && rec.scored(k - np)) {
                        from[r * l + scored] = column - 1; // TrainingSet guarantees a prompt token before
                        targets[r * l + scored] = ids[r * t + column];
                        real[r * l + scored] = 1f;
                        scored++;
                    }
                    column++;
                }
                tokens += rec.length();
            }
            for (int c = column; c < t; c++) {
                mask[(r * t + c) * t + c] = 0f; // a pad column sees itself, so no row of its scores is all masked
            }
        }
        NDArray hidden = model.maskedHiddenStates(m.create(ids, new Shape(b, t)), m.create(pos, new Shape(b, t)),
                m.create(mask, new Shape(b, 1, 1, t, t))); // (B, T, C)
        long c = hidden.getShape().get(2);
        NDArray index = m.create(from, new Shape(b, l, 1)).broadcast(b, l, c); // (B, L, C)
        NDArray logp = model.lmHead(hidden.gather(index, 1)).logSoftmax(2) // (B, L, V)
                .gather(m.create(targets, new Shape(b, l)).expandDims(2), 2).squeeze(2); // (B, L)
        NDArray keep = m.create(real, new Shape(b, l)).gt(m.zeros(new Shape()));
        NDArray kept = NDArrays.where(keep, logp, m.zeros(new Shape()));
        return new Micro(kept.sum().neg(), Map.of(), tokens);
    }
}

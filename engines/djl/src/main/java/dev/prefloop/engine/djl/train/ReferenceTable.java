package dev.prefloop.engine.djl.train;

/**
 * ReferenceTable: the reference model's summed completion log-probabilities of every pair, chosen and rejected,
 * indexed like the training pairs; float32 as the model computes them.
 */
public record ReferenceTable(float[] chosen, float[] rejected) {

    /** The chosen values of some pairs. */
    public float[] chosen(int[] examples) {
        return pick(chosen, examples);
    }

    /** The rejected values of some pairs. */
    public float[] rejected(int[] examples) {
        return pick(rejected, examples);
    }

    private static float[] pick(float[] values, int[] examples) {
        float[] out = new float[examples.length];
        for (int i = 0; i < examples.length; i++) {
            out[i] = values[examples[i]];
        }
        return out;
    }
}

package dev.prefloop.engine.djl.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * NucleusThreshold finds top-p's cut-off score per row: the lowest score x whose mass strictly above it is less
 * than top_p of the row's total. Tokens scoring at least x are what transformers' TopPLogitsWarper keeps (the
 * smallest top set holding top_p of the mass).
 *
 * <p>Masses are integers, floor(p * 2^40) of each token's softmax probability, so a cumulative mass does not
 * depend on the order it was summed in (float cumulative sums do). That makes the threshold the same whichever
 * candidates it is read from: the k highest scores when they already hold top_p of the mass (peaked rows),
 * the k lowest when they hold the removed tail (flat rows), or a full sort of the row. libtorch sorts a (8, 4096)
 * row block in about 2.7 ms on this CPU and selects 700 of its candidates in under 1 ms (docs/benchmarks.md).
 * Mass resolution is 2^-40 of the row, far below float32's rounding of the probabilities themselves.
 *
 * <p>Letters: B rows, V vocabulary, k candidates.
 */
final class NucleusThreshold {

    private static final float MASS_SCALE = 0x1p40f;
    private static final int MIN_HIGHEST = 64;

    private final double topP;

    /** The threshold for nucleus mass {@code topP} in (0, 1). */
    NucleusThreshold(float topP) {
        this.topP = topP;
    }

    /**
     * The integer masses (B, V) of a row block and, per row, what a threshold is compared with.
     *
     * @param target kept ranks are those with less than this mass above them
     * @param limit removed ranks are those with at most this mass at or below them (total - target)
     * @param highestNeeded fewer of the highest scores than this cannot hold top_p (they hold at most k * largest)
     * @param lowestNeeded this many of the lowest scores surely hold the removed tail (at least k * smallest)
     */
    private record Masses(NDArray mass, NDArray targets, NDArray limits, long[] target, long[] limit,
            long highestNeeded, long lowestNeeded) {}

    private Masses masses(NDArray scores) {
        NDManager m = scores.getManager();
        int b = Math.toIntExact(scores.getShape().get(0));
        NDArray mass = scores.softmax(1).mul(m.full(new Shape(), MASS_SCALE)).toType(DataType.INT64, false); // (B, V)
        int[] axis = {1};
        long[] stats = NDArrays.concat(new NDList(mass.sum(axis, true), mass.max(axis, true), mass.min(axis, true)), 1)
                .toLongArray(); // (B, 3): total, largest, smallest mass of each row
        long[] target = new long[b];
        long[] limit = new long[b];
        long highestNeeded = 1;
        long lowestNeeded = 1;
        for (int r = 0; r < b; r++) {
            long total = stats[3 * r];
            target[r] = Math.max(1, (long) Math.ceil(topP * total));
            limit[r] = total - target[r];
            highestNeeded = Math.max(highestNeeded, ceilDiv(target[r], Math.max(1, stats[3 * r + 1])));
            long smallest = stats[3 * r + 2];
            lowestNeeded = smallest == 0 ? Long.MAX_VALUE : Math.max(lowestNeeded, limit[r] / smallest + 1);
        }
        return new Masses(mass, m.create(target, new Shape(b, 1)), m.create(limit, new Shape(b, 1)), target, limit,
                highestNeeded, lowestNeeded);
    }

    /** Per-row thresholds (B, 1) for scores (B, V) float32, from the cheapest candidates sure to hold them. */
    NDArray of(NDArray scores) {
        int v = Math.toIntExact(scores.getShape().get(1));
        Masses masses = masses(scores);
        NDArray theta = null;
        // The highest candidates while they stay a small share of the row, growing 8x per miss.
        for (long k = Math.max(MIN_HIGHEST, 4 * masses.highestNeeded()); theta == null && k <= v / 8; k *= 8) {
            theta = fromHighest(scores, masses, (int) k);
        }
        if (theta == null && masses.lowestNeeded() <= v / 4) {
            theta = fromLowest(scores, masses, (int) masses.lowestNeeded());
        }
        return theta != null ? theta : fromSort(scores, masses);
    }

    /** The thresholds read from the k highest scores, or null when they do not hold top_p of some row. */
    NDArray ofHighest(NDArray scores, int k) {
        return fromHighest(scores, masses(scores), k);
    }

    /** The thresholds read from the k lowest scores, or null when they do not hold some row's removed tail. */
    NDArray ofLowest(NDArray scores, int k) {
        return fromLowest(scores, masses(scores), k);
    }

    /** The thresholds read from the fully sorted rows. */
    NDArray ofSorted(NDArray scores) {
        return fromSort(scores, masses(scores));
    }

    /**
     * From the k highest scores, descending, with cumulative masses C_j: rank j is kept iff C_(j-1) &lt; target,
     * so the kept count is 1 + #{j &lt; k - 1 : C_j &lt; target}; null unless every row's top k reach its target.
     */
    private static NDArray fromHighest(NDArray scores, Masses masses, int k) {
        NDList top = scores.topK(k, 1, true, true); // (B, k) values descending, (B, k) indices
        NDArray cumulative = masses.mass().gather(top.get(1), 1).cumSum(1); // (B, k) int64
        long[] target = masses.target();
        long[] reached = cumulative.get(new NDIndex().addAllDim().addSliceDim(k - 1, k)).toLongArray(); // (B)
        for (int r = 0; r < reached.length; r++) {
            if (reached[r] < target[r]) {
                return null;
            }
        }
        NDArray before = cumulative.get(new NDIndex().addAllDim().addSliceDim(0, k - 1)); // (B, k-1)
        NDArray lastKept = before.lt(masses.targets()).toType(DataType.INT64, false).sum(new int[] {1}, true); // (B, 1)
        return top.get(0).gather(lastKept, 1);
    }

    /**
     * From the k lowest scores, ascending, with cumulative masses A_i: rank i is removed iff A_i &lt;= limit (the
     * mass above it is at least the target); null unless every row's bottom k pass its limit.
     */
    private static NDArray fromLowest(NDArray scores, Masses masses, int k) {
        NDList bottom = scores.topK(k, 1, false, true); // (B, k) values ascending, (B, k) indices
        NDArray cumulative = masses.mass().gather(bottom.get(1), 1).cumSum(1); // (B, k) int64
        long[] limit = masses.limit();
        long[] reached = cumulative.get(new NDIndex().addAllDim().addSliceDim(k - 1, k)).toLongArray(); // (B)
        for (int r = 0; r < reached.length; r++) {
            if (reached[r] <= limit[r]) {
                return null;
            }
        }
        return removedCount(bottom.get(0), cumulative, masses.limits());
    }

    /** The whole row sorted ascending: always holds the threshold (the total mass passes every limit). */
    private static NDArray fromSort(NDArray scores, Masses masses) {
        NDArray order = scores.argSort(1, true); // (B, V)
        return removedCount(scores.gather(order, 1), masses.mass().gather(order, 1).cumSum(1), masses.limits());
    }

    /** ascending (B, k), cumulative (B, k) -> the score at rank #removed, (B, 1). */
    private static NDArray removedCount(NDArray ascending, NDArray cumulative, NDArray limits) {
        NDArray removed = cumulative.lte(limits).toType(DataType.INT64, false).sum(new int[] {1}, true); // (B, 1)
        return ascending.gather(removed, 1);
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }
}

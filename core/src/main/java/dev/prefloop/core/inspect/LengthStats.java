package dev.prefloop.core.inspect;

import java.util.Arrays;

/** LengthStats collects lengths (characters or tokens) of one field and reports min, mean, p50, p95, max. */
public final class LengthStats {

    private int[] values = new int[1024];
    private int n;
    private long sum;

    /** Adds one length. */
    public void add(int length) {
        if (n == values.length) {
            values = Arrays.copyOf(values, n * 2);
        }
        values[n++] = length;
        sum += length;
    }

    /** The summary, or null when nothing was added. */
    public Summary summary() {
        if (n == 0) {
            return null;
        }
        int[] sorted = Arrays.copyOf(values, n);
        Arrays.sort(sorted);
        return new Summary(n, sorted[0], (double) sum / n, sorted[(int) Math.floor(0.5 * (n - 1))],
                sorted[(int) Math.floor(0.95 * (n - 1))], sorted[n - 1]);
    }

    /** The statistics of one field (p50 and p95 are nearest-rank below). */
    public record Summary(long count, int min, double mean, int p50, int p95, int max) {}
}

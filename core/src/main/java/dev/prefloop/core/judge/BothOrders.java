package dev.prefloop.core.judge;

import java.util.ArrayList;
import java.util.List;

/**
 * BothOrders cancels position bias of a pairwise judge: each comparison is asked as (a, b) and as
 * (b, a) in the same batch, and p(a ≻ b) = (p(a, b) + 1 - p(b, a)) / 2. A judge without position
 * bias gives p(b, a) = 1 - p(a, b) and the mean changes nothing; an LLM that always prefers the first
 * answer gives 1 and 1, which averages to 0.5 (a tie) instead of a false preference.
 */
public final class BothOrders implements PairwiseJudge {

    /** The suffix of the swapped request's id, so errors say which order failed. */
    public static final String SWAPPED = "~swapped";

    private final PairwiseJudge inner;

    public BothOrders(PairwiseJudge inner) {
        this.inner = inner;
    }

    /** Both answers of each request, for provenance: [p(a, b), 1 - p(b, a)] per request. */
    public double[][] compareBoth(List<PairRequest> batch) {
        List<PairRequest> asked = new ArrayList<>(2 * batch.size());
        for (PairRequest r : batch) {
            asked.add(r);
            asked.add(r.swapped(r.id() + SWAPPED));
        }
        double[] p = inner.compare(asked);
        double[][] out = new double[batch.size()][];
        for (int i = 0; i < batch.size(); i++) {
            out[i] = new double[] {p[2 * i], 1 - p[2 * i + 1]};
        }
        return out;
    }

    /** Combines the two orders' answers (each already as p(a ≻ b)): their mean. */
    public static double combine(double[] orders) {
        return (orders[0] + orders[1]) / 2;
    }

    @Override
    public double[] compare(List<PairRequest> batch) {
        double[][] both = compareBoth(batch);
        double[] out = new double[both.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = combine(both[i]);
        }
        return out;
    }

    @Override
    public String describe() {
        return inner.describe();
    }

    @Override
    public void close() {
        inner.close();
    }
}

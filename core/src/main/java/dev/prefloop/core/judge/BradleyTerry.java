package dev.prefloop.core.judge;

import java.util.ArrayList;
import java.util.List;

/**
 * BradleyTerry turns scores into preferences: p(a ≻ b) = sigma(s_a - s_b), and makes a pointwise
 * judge pairwise by scoring both responses of each comparison.
 */
public final class BradleyTerry {

    private BradleyTerry() {}

    /** sigma(sa - sb), computed without overflow for any finite difference. */
    public static double p(double sa, double sb) {
        double d = sa - sb;
        return d >= 0 ? 1 / (1 + Math.exp(-d)) : Math.exp(d) / (1 + Math.exp(d));
    }

    /** A pairwise view of a pointwise judge: each request is two score requests, a's then b's. */
    public static PairwiseJudge lift(PointwiseJudge scorer) {
        return new PairwiseJudge() {
            @Override
            public double[] compare(List<PairRequest> batch) {
                List<ScoreRequest> scores = new ArrayList<>(2 * batch.size());
                for (PairRequest r : batch) {
                    scores.add(new ScoreRequest(r.id() + "/a", r.prompt(), r.promptIds(), r.a()));
                    scores.add(new ScoreRequest(r.id() + "/b", r.prompt(), r.promptIds(), r.b()));
                }
                double[] s = scorer.score(scores);
                double[] out = new double[batch.size()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = p(s[2 * i], s[2 * i + 1]);
                }
                return out;
            }

            @Override
            public String describe() {
                return scorer.describe();
            }

            @Override
            public void close() {
                scorer.close();
            }
        };
    }
}

package dev.prefloop.core.label;

import java.util.SplittableRandom;

/**
 * LabelRule turns p(a ≻ b) into a label. Ties first: |p - 0.5| &lt;= tie margin is a tie and the
 * pair is skipped, except that bt-sample with margin 0 draws even at p = 0.5 (a fair coin, as an
 * annotator without preference would). Then argmax chooses a when p &gt; 0.5, and bt-sample chooses
 * a when a uniform draw u from the record's stream is below p.
 */
record LabelRule(LabelMode mode, double tieMargin) {

    /** The outcome of one comparison. */
    enum Outcome { A, B, TIE }

    Outcome decide(double p, SplittableRandom labelStream) {
        boolean marginApplies = mode == LabelMode.ARGMAX || tieMargin > 0;
        if (marginApplies && Math.abs(p - 0.5) <= tieMargin) {
            return Outcome.TIE;
        }
        if (mode == LabelMode.ARGMAX) {
            return p > 0.5 ? Outcome.A : Outcome.B;
        }
        return labelStream.nextDouble() < p ? Outcome.A : Outcome.B;
    }
}

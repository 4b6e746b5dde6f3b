package dev.prefloop.engine.djl.score;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * LengthBatches groups sequences of similar length so that left padding wastes little compute:
 * sorted by length, packed greedily under a sequence count and a padded-token budget (B x T).
 * A sequence longer than the budget goes alone.
 */
public final class LengthBatches {

    private LengthBatches() {}

    /** The batches, shortest first; every sequence appears in exactly one. */
    public static List<List<ScoredSequence>> of(List<ScoredSequence> sequences, int maxSequences, long maxTokens) {
        List<ScoredSequence> sorted = new ArrayList<>(sequences);
        sorted.sort(Comparator.comparingInt(ScoredSequence::length)); // stable: equal lengths keep input order
        List<List<ScoredSequence>> batches = new ArrayList<>();
        List<ScoredSequence> current = new ArrayList<>();
        for (ScoredSequence s : sorted) {
            // sorted ascending, so s is the longest: the padded batch would be (n + 1) x s.length()
            if (!current.isEmpty() && (current.size() >= maxSequences
                    || (long) (current.size() + 1) * s.length() > maxTokens)) {
                batches.add(current);
                current = new ArrayList<>();
            }
            current.add(s);
        }
        if (!current.isEmpty()) {
            batches.add(current);
        }
        return batches;
    }
}

package dev.prefloop.core.label;

import dev.prefloop.core.judge.BothOrders;
import dev.prefloop.core.judge.BradleyTerry;
import dev.prefloop.core.judge.Judge;
import dev.prefloop.core.judge.PairRequest;
import dev.prefloop.core.judge.PairwiseJudge;
import dev.prefloop.core.judge.PointwiseJudge;
import dev.prefloop.core.judge.ScoreRequest;
import dev.prefloop.core.output.ShardedOutput;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * BatchLabeler judges one batch of candidates records at a time and writes their pairs: it picks
 * the comparisons (--pairing), asks the judge once for the whole batch (both orders for pairwise
 * judges unless --single-order; one score per completion for pointwise judges), then labels each
 * comparison with the {@link LabelRule}.
 */
final class BatchLabeler {

    private final LabelSettings s;
    private final PointwiseJudge scorer;
    private final PairwiseJudge comparer;
    private final BothOrders both;
    private final String judgeName;
    private final String orders;
    private final LabelRule rule;
    private final ShardedOutput out;
    private final Tally t;

    BatchLabeler(LabelSettings s, Judge judge, Journaled journaled, ShardedOutput out, Tally t) {
        this.s = s;
        this.out = out;
        this.t = t;
        this.judgeName = judge.describe();
        this.rule = new LabelRule(s.mode(), s.tieMargin());
        if (judge instanceof PointwiseJudge p) {
            scorer = journaled.pointwise(p);
            comparer = null;
            both = null;
            orders = "pointwise";
        } else if (judge instanceof PairwiseJudge p) {
            scorer = null;
            comparer = journaled.pairwise(p);
            both = s.bothOrders() ? new BothOrders(comparer) : null;
            orders = s.bothOrders() ? "both" : "single";
        } else {
            throw new IllegalStateException(judge.describe() + " is neither pointwise nor pairwise");
        }
    }

    void label(List<Candidates> records) {
        if (records.isEmpty()) {
            return;
        }
        List<List<Comparison>> judged = scorer != null ? byScores(records) : byPairs(records);
        for (int k = 0; k < records.size(); k++) {
            Candidates c = records.get(k);
            List<Comparison> cmps = judged.get(k);
            SplittableRandom labels = RecordSeed.stream(s.seed(), c.id(), "label");
            for (Comparison cmp : cmps) {
                LabelRule.Outcome o = rule.decide(cmp.p(), labels);
                if (o == LabelRule.Outcome.TIE) {
                    t.ties++;
                    continue;
                }
                out.write(PreferencePairs.build(c, cmp, o == LabelRule.Outcome.A, judgeName, orders, s.mode(),
                        cmps.size() == 1));
                t.pairs++;
            }
            t.records++;
        }
    }

    /** Which pairs of n completions to judge when the judge compares pairs (random: one seeded pair). */
    private int[][] pairsToAsk(Candidates c) {
        int n = c.responses().size();
        if (n == 2) {
            return new int[][] {{0, 1}};
        }
        if (s.pairing() == Pairing.RANDOM) {
            return new int[][] {randomPair(c)};
        }
        List<int[]> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                all.add(new int[] {i, j});
            }
        }
        return all.toArray(new int[0][]);
    }

    private int[] randomPair(Candidates c) {
        int n = c.responses().size();
        SplittableRandom r = RecordSeed.stream(s.seed(), c.id(), "pairing");
        int i = r.nextInt(n);
        int j = r.nextInt(n - 1);
        if (j >= i) {
            j++;
        }
        return new int[] {Math.min(i, j), Math.max(i, j)};
    }

    private List<List<Comparison>> byPairs(List<Candidates> records) {
        List<PairRequest> requests = new ArrayList<>();
        List<int[][]> asked = new ArrayList<>();
        for (Candidates c : records) {
            int[][] pairs = pairsToAsk(c);
            asked.add(pairs);
            for (int[] ij : pairs) {
                requests.add(new PairRequest(c.id() + "/" + ij[0] + "-" + ij[1], c.prompt(), c.promptIds(),
                        c.responses().get(ij[0]), c.responses().get(ij[1])));
            }
        }
        double[][] orders = both != null ? both.compareBoth(requests) : null;
        double[] p = both != null ? null : comparer.compare(requests);
        List<List<Comparison>> out = new ArrayList<>();
        int q = 0;
        for (int k = 0; k < records.size(); k++) {
            List<Comparison> cmps = new ArrayList<>();
            for (int[] ij : asked.get(k)) {
                double pij = orders != null ? BothOrders.combine(orders[q]) : p[q];
                cmps.add(new Comparison(ij[0], ij[1], pij, Double.NaN, Double.NaN, orders != null ? orders[q] : null));
                q++;
            }
            int n = records.get(k).responses().size();
            out.add(n > 2 && s.pairing() == Pairing.BEST_WORST ? List.of(bestWorst(cmps, n)) : cmps);
        }
        return out;
    }

    /** Best = the highest mean p of winning against the others, worst = the lowest; their own comparison. */
    private static Comparison bestWorst(List<Comparison> all, int n) {
        double[] wins = new double[n];
        Map<Long, Comparison> byPair = new HashMap<>();
        for (Comparison c : all) {
            wins[c.i()] += c.p();
            wins[c.j()] += 1 - c.p();
            byPair.put((long) c.i() * n + c.j(), c);
        }
        int best = 0;
        int worst = 0;
        for (int k = 1; k < n; k++) {
            best = wins[k] > wins[best] ? k : best;
            worst = wins[k] < wins[worst] ? k : worst;
        }
        if (best == worst) {
            // every completion ties with every other: any pair is a tie, and is skipped as one
            worst = best == 0 ? 1 : 0;
        }
        return byPair.get((long) Math.min(best, worst) * n + Math.max(best, worst));
    }

    private List<List<Comparison>> byScores(List<Candidates> records) {
        List<ScoreRequest> requests = new ArrayList<>();
        List<int[]> scored = new ArrayList<>();
        for (Candidates c : records) {
            int n = c.responses().size();
            int[] which = s.pairing() == Pairing.RANDOM && n > 2 ? randomPair(c) : range(n);
            scored.add(which);
            for (int i : which) {
                requests.add(new ScoreRequest(c.id() + "/" + i, c.prompt(), c.promptIds(), c.responses().get(i)));
            }
        }
        double[] scores = scorer.score(requests);
        List<List<Comparison>> out = new ArrayList<>();
        int q = 0;
        for (int k = 0; k < records.size(); k++) {
            int n = records.get(k).responses().size();
            double[] sc = new double[n];
            for (int i : scored.get(k)) {
                sc[i] = scores[q++];
            }
            out.add(pairsByScore(scored.get(k), sc));
        }
        return out;
    }

    private List<Comparison> pairsByScore(int[] which, double[] sc) {
        List<Comparison> cmps = new ArrayList<>();
        if (which.length > 2 && s.pairing() == Pairing.BEST_WORST) {
            int best = which[0];
            int worst = which[which.length - 1];
            for (int i : which) {
                best = sc[i] > sc[best] ? i : best;
                worst = sc[i] < sc[worst] ? i : worst;
            }
            if (best == worst) {
                worst = best == which[0] ? which[1] : which[0];
            }
            cmps.add(scoreComparison(Math.min(best, worst), Math.max(best, worst), sc));
            return cmps;
        }
        for (int a = 0; a < which.length; a++) {
            for (int b = a + 1; b < which.length; b++) {
                cmps.add(scoreComparison(which[a], which[b], sc));
            }
        }
        return cmps;
    }

    private static Comparison scoreComparison(int i, int j, double[] sc) {
        return new Comparison(i, j, BradleyTerry.p(sc[i], sc[j]), sc[i], sc[j], null);
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }
}

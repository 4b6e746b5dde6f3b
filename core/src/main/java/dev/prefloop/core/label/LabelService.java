package dev.prefloop.core.label;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.PrefloopVersion;
import dev.prefloop.core.data.DatasetLocator;
import dev.prefloop.core.data.DatasetReader;
import dev.prefloop.core.data.Shard;
import dev.prefloop.core.error.DataException;
import dev.prefloop.core.judge.BothOrders;
import dev.prefloop.core.judge.BradleyTerry;
import dev.prefloop.core.judge.Judge;
import dev.prefloop.core.judge.JudgeFactory;
import dev.prefloop.core.judge.JudgeRegistry;
import dev.prefloop.core.judge.PairRequest;
import dev.prefloop.core.judge.PairwiseJudge;
import dev.prefloop.core.judge.PointwiseJudge;
import dev.prefloop.core.judge.ScoreRequest;
import dev.prefloop.core.output.FileFingerprint;
import dev.prefloop.core.output.Manifest;
import dev.prefloop.core.output.RerunCheck;
import dev.prefloop.core.output.ShardedOutput;
import dev.prefloop.core.progress.Progress;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LabelService turns candidates into preference pairs with a judge. The input is checked whole
 * first (a bad record stops the run before the judge is asked anything); then records are judged
 * batch by batch, each batch's answers journaled, and the pairs committed atomically with a
 * manifest. An interrupted run leaves only its hidden journal, which {@code --resume} reuses.
 */
public final class LabelService {

    private static final Logger LOG = LoggerFactory.getLogger(LabelService.class);

    private final Progress progress;
    private final JudgeRegistry judges;

    public LabelService(Progress progress, JudgeRegistry judges) {
        this.progress = progress;
        this.judges = judges;
    }

    /** Runs the labelling. */
    public LabelResult run(LabelSettings s) {
        long t0 = System.nanoTime();
        String startedAt = Instant.now().toString();
        List<Shard> shards = DatasetLocator.locate(s.input());
        JudgeFactory factory = judges.factory(s.judge());
        Map<String, Object> judgeIdentity = factory.identity(s.judge(), s.judgeOptions());
        Map<String, Object> options = manifestOptions(s, judgeIdentity);
        Path dir = Paths.get(s.out());
        Manifest planned = Manifest.planned("label", PrefloopVersion.get(), options, FileFingerprint.ofShards(shards),
                List.of(), s.seed(), s.slice().toString());
        if (RerunCheck.decide(dir, s.slice(), planned, s.force()) == RerunCheck.Decision.UP_TO_DATE) {
            LOG.info("{} is up to date (same inputs, judge and options); --force redoes it", dir);
            return new LabelResult(true, 0, 0, 0, 0, 0, List.of(), seconds(t0));
        }
        try (StdinSpool spool = StdinSpool.of(shards, System.in)) {
            return label(s, spool.shards(), judgeIdentity, planned, dir, startedAt, t0);
        }
    }

    private LabelResult label(LabelSettings s, List<Shard> shards, Map<String, Object> judgeIdentity,
            Manifest planned, Path dir, String startedAt, long t0) {
        long total = checkAll(shards, s);
        Tally t = new Tally();
        try (Judge judge = judges.open(s.judge(), s.judgeOptions());
                VerdictJournal journal = VerdictJournal.open(dir, s.slice(), s.resume());
                ShardedOutput out = new ShardedOutput(dir, s.format(), s.slice(), 0)) {
            // Journal keys name the judge, not the labelling options: a resumed run may change --mode or --pairing.
            Journaled journaled = new Journaled(journal, judgeIdentity.toString());
            Batch batch = new Batch(s, judge, journaled, out, t);
            progress.start("label", "records", total);
            try (DatasetReader in = new DatasetReader(shards, s.slice())) {
                long ordinal = 0;
                List<Candidates> records = new ArrayList<>(s.batchSize());
                while (in.hasNext()) {
                    ObjectNode r = in.next();
                    records.add(Candidates.parse(r, in.location(), ordinal++));
                    if (records.size() == s.batchSize()) {
                        batch.label(records);
                        progress.advance(records.size());
                        records.clear();
                    }
                }
                batch.label(records);
                progress.advance(records.size());
            } finally {
                progress.finish();
            }
            t.asked = journaled.asked;
            t.reused = journaled.reused;
            double secs = seconds(t0);
            Map<String, Long> counts = new LinkedHashMap<>();
            counts.put("records", t.records);
            counts.put("pairs", t.pairs);
            counts.put("ties_skipped", t.ties);
            counts.put("judge_requests", t.asked);
            counts.put("judge_requests_resumed", t.reused);
            List<String> warnings = t.ties == 0 ? List.of()
                    : List.of(t.ties + " tied pair(s) skipped (|p - 0.5| <= " + s.tieMargin() + ")");
            List<String> names = out.commit(planned.withResults(counts, warnings, startedAt, Instant.now().toString(), secs));
            journal.delete();
            if (t.ties > 0) {
                LOG.info("skipped {} tied pair(s)", t.ties);
            }
            return new LabelResult(false, t.records, t.pairs, t.ties, t.asked, t.reused, names, secs);
        }
    }

    private static Map<String, Object> manifestOptions(LabelSettings s, Map<String, Object> judgeIdentity) {
        Map<String, Object> m = new LinkedHashMap<>(judgeIdentity);
        m.put("both_orders", s.bothOrders());
        m.put("pairing", s.pairing().label());
        m.put("mode", s.mode().label());
        m.put("tie_margin", s.tieMargin());
        m.put("format", s.format().extension().substring(1));
        return m;
    }

    /** Reads the whole input once, so bad data fails before any judge is asked; returns the record count. */
    private static long checkAll(List<Shard> shards, LabelSettings s) {
        Set<String> ids = new HashSet<>();
        long n = 0;
        try (DatasetReader in = new DatasetReader(shards, s.slice())) {
            while (in.hasNext()) {
                ObjectNode r = in.next();
                Candidates c = Candidates.parse(r, in.location(), n++);
                if (!ids.add(c.id())) {
                    throw new DataException(in.location() + ", field \"id\": the id " + c.id() + " occurs twice;"
                            + " label names judge requests and pairs by record id");
                }
            }
        }
        if (n == 0) {
            throw new DataException(s.input() + ": no candidates records" + (s.slice().isAll() ? "" : " in slice " + s.slice()));
        }
        return n;
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Counts of one run. */
    private static final class Tally {
        long records;
        long pairs;
        long ties;
        long asked;
        long reused;
    }

    /** Judges and writes one batch of records. */
    private static final class Batch {
        private final LabelSettings s;
        private final PointwiseJudge scorer;
        private final PairwiseJudge comparer;
        private final BothOrders both;
        private final String judgeName;
        private final String orders;
        private final LabelRule rule;
        private final ShardedOutput out;
        private final Tally t;

        Batch(LabelSettings s, Judge judge, Journaled journaled, ShardedOutput out, Tally t) {
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
}

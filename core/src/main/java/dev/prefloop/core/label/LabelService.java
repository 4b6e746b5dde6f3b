package dev.prefloop.core.label;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.PrefloopVersion;
import dev.prefloop.core.data.DatasetLocator;
import dev.prefloop.core.data.DatasetReader;
import dev.prefloop.core.data.Shard;
import dev.prefloop.core.error.DataException;
import dev.prefloop.core.judge.Judge;
import dev.prefloop.core.judge.JudgeFactory;
import dev.prefloop.core.judge.JudgeRegistry;
import dev.prefloop.core.output.FileFingerprint;
import dev.prefloop.core.output.Manifest;
import dev.prefloop.core.output.RerunCheck;
import dev.prefloop.core.output.ShardedOutput;
import dev.prefloop.core.progress.Progress;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
        // Closed in reverse: an unused journal goes first, then the output, which removes a directory it created.
        try (Judge judge = judges.open(s.judge(), s.judgeOptions());
                ShardedOutput out = new ShardedOutput(dir, s.format(), s.slice(), 0);
                VerdictJournal journal = VerdictJournal.open(dir, s.slice(), s.resume())) {
            // Journal keys name the judge, not the labelling options: a resumed run may change --mode or --pairing.
            Journaled journaled = new Journaled(journal, judgeIdentity.toString());
            BatchLabeler batch = new BatchLabeler(s, judge, journaled, out, t);
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
}

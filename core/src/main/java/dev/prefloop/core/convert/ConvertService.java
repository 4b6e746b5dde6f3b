package dev.prefloop.core.convert;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.PrefloopVersion;
import dev.prefloop.core.data.DatasetLocator;
import dev.prefloop.core.data.DatasetReader;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.data.Shard;
import dev.prefloop.core.data.ShardFormat;
import dev.prefloop.core.data.jsonl.JsonlRecordWriter;
import dev.prefloop.core.error.DataException;
import dev.prefloop.core.output.FileFingerprint;
import dev.prefloop.core.output.Manifest;
import dev.prefloop.core.output.RerunCheck;
import dev.prefloop.core.output.ShardedOutput;
import dev.prefloop.core.progress.Progress;
import dev.prefloop.core.records.Problem;
import dev.prefloop.core.records.RecordChecker;
import dev.prefloop.core.records.RecordKind;
import java.io.OutputStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ConvertService copies a dataset into another format record for record, checking each record
 * against its kind; the first bad record stops the run and nothing is left in the output.
 */
public final class ConvertService {

    private static final Logger LOG = LoggerFactory.getLogger(ConvertService.class);

    private final Progress progress;
    private final OutputStream stdout;

    public ConvertService(Progress progress, OutputStream stdout) {
        this.progress = progress;
        this.stdout = stdout;
    }

    /** Runs the conversion. */
    public ConvertResult run(ConvertSettings s) {
        long t0 = System.nanoTime();
        String startedAt = Instant.now().toString();
        List<Shard> shards = DatasetLocator.locate(s.input());
        if (s.toStdout()) {
            try (JsonlRecordWriter w = new JsonlRecordWriter(stdout, s.format() == ShardFormat.JSONL_GZ, false,
                    JsonCodec.mapper())) {
                Tally t = copy(shards, s, w::write);
                return new ConvertResult(false, t.kindLabel(), t.records, List.of(), t.warnings, seconds(t0));
            }
        }
        Path dir = Paths.get(s.out());
        Manifest planned = Manifest.planned("convert", PrefloopVersion.get(), s.manifestOptions(),
                FileFingerprint.ofShards(shards), List.of(), null, s.slice().toString());
        if (RerunCheck.decide(dir, s.slice(), planned, s.force()) == RerunCheck.Decision.UP_TO_DATE) {
            LOG.info("{} is up to date (same inputs, options and prefloop version); --force redoes it", dir);
            return new ConvertResult(true, null, 0, List.of(), Map.of(), seconds(t0));
        }
        try (ShardedOutput out = new ShardedOutput(dir, s.format(), s.slice(), s.recordsPerShard())) {
            Tally t = copy(shards, s, out::write);
            double secs = seconds(t0);
            List<String> warnings = new ArrayList<>();
            t.warnings.forEach((k, v) -> warnings.add(k + ": " + v + " records"));
            List<String> names = out.commit(planned.withResults(Map.of("records_in", t.seen, "records_out", t.records),
                    warnings, startedAt, Instant.now().toString(), secs));
            return new ConvertResult(false, t.kindLabel(), t.records, names, t.warnings, secs);
        }
    }

    private Tally copy(List<Shard> shards, ConvertSettings s, Consumer<ObjectNode> sink) {
        Tally t = new Tally();
        progress.start("convert", "records", -1);
        try (DatasetReader in = new DatasetReader(shards, s.slice())) {
            while (in.hasNext()) {
                ObjectNode r = in.next();
                t.seen++;
                check(r, in.location(), s.kind(), t);
                sink.accept(r);
                t.records++;
                progress.advance(1);
            }
        } finally {
            progress.finish();
        }
        t.warnings.forEach((k, v) -> LOG.warn("{} records: {}", v, k));
        return t;
    }

    private static void check(ObjectNode r, String where, KindRule rule, Tally t) {
        if (rule == KindRule.ANY) {
            return;
        }
        if (t.kind == null) {
            t.kind = rule.kind() != null ? rule.kind() : RecordKind.detect(r).orElseThrow(() -> new DataException(where
                    + ": the record has none of the fields of a known kind (prompt, prompt+completion, messages,"
                    + " prompt+completions, chosen+rejected); pass --kind any to convert other data"));
        }
        for (Problem p : RecordChecker.check(r, t.kind)) {
            if (p.severity() == Problem.Severity.ERROR) {
                throw new DataException(where + ", " + p.describe() + " (records are checked as " + t.kind.label()
                        + (rule == KindRule.AUTO ? ", the kind of the first record" : "") + ")");
            }
            t.warnings.merge(p.message(), 1L, Long::sum);
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Counts of one run. */
    private static final class Tally {
        RecordKind kind;
        long seen;
        long records;
        final Map<String, Long> warnings = new LinkedHashMap<>();

        String kindLabel() {
            return kind == null ? null : kind.label();
        }
    }
}

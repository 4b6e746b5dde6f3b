package dev.prefloop.engine.djl.score;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.PrefloopVersion;
import dev.prefloop.core.data.DatasetLocator;
import dev.prefloop.core.data.DatasetReader;
import dev.prefloop.core.data.Shard;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.core.output.FileFingerprint;
import dev.prefloop.core.output.Manifest;
import dev.prefloop.core.output.RerunCheck;
import dev.prefloop.core.output.ShardedOutput;
import dev.prefloop.core.progress.Progress;
import dev.prefloop.engine.djl.model.DecoderConfig;
import dev.prefloop.engine.djl.model.LlamaModel;
import dev.prefloop.engine.djl.model.LoraAdapter;
import dev.prefloop.engine.djl.model.LoraAdapterFiles;
import dev.prefloop.engine.djl.model.ModelHead;
import dev.prefloop.engine.djl.text.TokenizerFingerprint;
import dev.prefloop.engine.djl.weights.ModelFingerprint;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ScoreService adds log-probabilities (or reward scores) under a model, or a model with a LoRA adapter, to every
 * record of a dataset. Records are read in windows; a window's sequences are batched by length (see
 * {@link LengthBatches}), scored, and the records written back in input order with every other
 * field unchanged. Records with text fields and no token ids are tokenized first with the model
 * directory's tokenizer and chat template ({@link TextScoring}); ids a record carries win. Any bad
 * record stops the run before its window is scored and leaves no output.
 */
public final class ScoreService {

    private static final Logger LOG = LoggerFactory.getLogger(ScoreService.class);

    private final Progress progress;

    public ScoreService(Progress progress) {
        this.progress = progress;
    }

    /** Runs score. */
    public ScoreResult run(ScoreSettings s) {
        long t0 = System.nanoTime();
        String startedAt = Instant.now().toString();
        DecoderConfig config = DecoderConfig.read(s.model());
        if (s.adapter() != null) {
            LoraAdapterFiles.readConfig(s.adapter()); // a missing or non-LoRA adapter fails before anything is read
        }
        boolean reward = config.head() == ModelHead.SEQUENCE_CLASSIFICATION;
        if (reward && (s.perToken() || s.asRef())) {
            throw new UsageException((s.perToken() ? "--per-token" : "--as-ref") + ": " + s.model() + " is a reward"
                    + " model (" + config.architecture() + "); it gives one score per sequence, not log-probabilities");
        }
        List<Shard> shards = DatasetLocator.locate(s.input());
        Manifest planned = Manifest.planned("score", PrefloopVersion.get(), s.manifestOptions(),
                FileFingerprint.ofShards(shards), modelFingerprints(s.model(), s.adapter()), null, s.slice().toString());
        if (RerunCheck.decide(s.out(), s.slice(), planned, s.force()) == RerunCheck.Decision.UP_TO_DATE) {
            LOG.info("{} is up to date (same inputs, model, options and prefloop version); --force redoes it", s.out());
            return new ScoreResult(true, 0, 0, 0, List.of(), seconds(t0), 0, Map.of());
        }
        ScoreColumns columns = new ScoreColumns(reward, s.asRef(), s.perToken());
        Tally t = new Tally();
        try (LlamaModel base = LlamaModel.load(s.model(), s.device(), s.dtype());
                LoraAdapter adapter = s.adapter() == null ? null : LoraAdapterFiles.load(s.adapter(), base);
                SequenceScorer scorer = new SequenceScorer(base.withAdapter(adapter), s.perToken());
                ShardedOutput out = new ShardedOutput(s.out(), s.format(), s.slice(), 0);
                DatasetReader in = new DatasetReader(shards, s.slice());
                TextScoring text = new TextScoring(s.model(), s.tokenization(), config.vocab_size())) {
            int batch = scorer.maxBatch(s.batchSize());
            if (batch < s.batchSize()) {
                LOG.info("{} has no pad_token_id: scoring one sequence at a time, as transformers must", s.model());
            }
            // a window is what gets sorted by length: large enough to group well, small enough to hold
            int window = Math.max(256, 8 * batch);
            progress.start("score", "tokens", -1);
            try {
                List<ObjectNode> records = new ArrayList<>(window);
                List<ScoreRequest> requests = new ArrayList<>(window);
                while (in.hasNext()) {
                    ObjectNode r = in.next();
                    requests.add(text.request(r, in.location()));
                    records.add(r);
                    if (records.size() >= window) {
                        scoreWindow(records, requests, scorer, columns, batch, s.maxTokensPerBatch(), out, t);
                    }
                }
                scoreWindow(records, requests, scorer, columns, batch, s.maxTokensPerBatch(), out, t);
            } finally {
                progress.finish();
            }
            double secs = seconds(t0);
            Map<String, Long> counts = new LinkedHashMap<>();
            counts.put("records", t.records);
            counts.put("sequences", t.sequences);
            counts.put("tokens", t.tokens);
            counts.put("forward_ms", t.forwardNanos / 1_000_000);
            Map<String, Long> tokenized = text.tally().records() > 0 ? text.tally().asMap() : Map.of();
            tokenized.forEach((k, v) -> counts.put("tokenized_" + k, v));
            List<String> warnings = text.tally().warnings();
            warnings.forEach(LOG::warn);
            List<String> names = out.commit(planned.withResults(counts, warnings, startedAt, Instant.now().toString(),
                    secs));
            ScoreResult result = new ScoreResult(false, t.records, t.sequences, t.tokens, names, secs,
                    t.forwardNanos / 1e9, tokenized);
            LOG.info("scored {} records ({} sequences, {} tokens) in {}s; forward passes {}s, {} tokens/s", t.records,
                    t.sequences, t.tokens, String.format("%.2f", secs), String.format("%.2f", result.forwardSeconds()),
                    String.format("%.0f", result.tokensPerSecond()));
            return result;
        }
    }

    private void scoreWindow(List<ObjectNode> records, List<ScoreRequest> requests, SequenceScorer scorer,
            ScoreColumns columns, int batch, long maxTokens, ShardedOutput out, Tally t) {
        List<ScoredSequence> all = new ArrayList<>();
        for (ScoreRequest q : requests) {
            all.addAll(q.sequences());
        }
        for (List<ScoredSequence> b : LengthBatches.of(all, batch, maxTokens)) {
            long f0 = System.nanoTime();
            scorer.score(b);
            t.forwardNanos += System.nanoTime() - f0;
            long tokens = b.stream().mapToLong(ScoredSequence::length).sum();
            t.tokens += tokens;
            progress.advance(tokens);
        }
        for (int i = 0; i < records.size(); i++) {
            columns.write(records.get(i), requests.get(i));
            out.write(records.get(i));
        }
        t.records += records.size();
        t.sequences += all.size();
        records.clear();
        requests.clear();
    }

    /** The weights and config, the tokenizer files text records would be tokenized with, and the adapter's files. */
    private static List<FileFingerprint> modelFingerprints(Path model, Path adapter) {
        List<FileFingerprint> out = new ArrayList<>(ModelFingerprint.of(model));
        out.addAll(TokenizerFingerprint.of(model));
        if (adapter != null) {
            out.addAll(ModelFingerprint.ofAdapter(adapter));
        }
        return out;
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Counts of one run. */
    private static final class Tally {
        long records;
        long sequences;
        long tokens;
        long forwardNanos;
    }
}

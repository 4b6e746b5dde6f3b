package dev.prefloop.engine.djl.sample;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.PrefloopVersion;
import dev.prefloop.core.data.DatasetLocator;
import dev.prefloop.core.data.DatasetReader;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.data.Shard;
import dev.prefloop.core.error.DataException;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.core.output.FileFingerprint;
import dev.prefloop.core.output.Manifest;
import dev.prefloop.core.output.RerunCheck;
import dev.prefloop.core.output.ShardedOutput;
import dev.prefloop.core.progress.Progress;
import dev.prefloop.engine.djl.generate.Detokenizer;
import dev.prefloop.engine.djl.generate.GenerationConfig;
import dev.prefloop.engine.djl.model.DecoderConfig;
import dev.prefloop.engine.djl.model.LoraAdapterFiles;
import dev.prefloop.engine.djl.model.ModelHead;
import dev.prefloop.engine.djl.text.Tokenizer;
import dev.prefloop.engine.djl.text.TokenizerFingerprint;
import dev.prefloop.engine.djl.weights.ModelFingerprint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SampleService samples responses to prompts under a {@link SampleScheme} and writes candidates
 * records. The prompts are checked whole first (a bad record stops the run before a model is
 * loaded); then groups of prompts are sampled, each group's records journaled, and the output
 * committed atomically with a manifest. An interrupted run leaves only its hidden journal, which
 * {@code --resume} reuses, so no prompt is sampled twice or lost.
 */
public final class SampleService {

    private static final Logger LOG = LoggerFactory.getLogger(SampleService.class);

    private final Progress progress;

    public SampleService(Progress progress) {
        this.progress = progress;
    }

    /** Runs sample. */
    public SampleResult run(SampleSettings s) {
        long t0 = System.nanoTime();
        String startedAt = Instant.now().toString();
        DecoderConfig config = checkModel(s.model(), "--model");
        for (Path adapter : new Path[] {s.adapter(), s.refAdapter()}) {
            if (adapter != null) {
                LoraAdapterFiles.readConfig(adapter); // a missing or non-LoRA adapter fails before anything is read
            }
        }
        if (s.ref() != null && !s.referenceSharesModel()) {
            DecoderConfig ref = checkModel(s.ref(), "--ref");
            if (ref.vocab_size() != config.vocab_size()) {
                // mixing raw logits is mixing log-probabilities only over one vocabulary (algorithms.md 1)
                throw new ModelException("--ref " + s.ref() + " has vocab_size " + ref.vocab_size() + " and --model "
                        + s.model() + " " + config.vocab_size() + ": the two models must share one vocabulary");
            }
        }
        List<Shard> shards = DatasetLocator.locate(s.prompts());
        Manifest planned = Manifest.planned("sample", PrefloopVersion.get(), s.manifestOptions(),
                FileFingerprint.ofShards(shards), modelFingerprints(s), s.decoding().seed(), s.slice().toString());
        if (RerunCheck.decide(s.out(), s.slice(), planned, s.force()) == RerunCheck.Decision.UP_TO_DATE) {
            LOG.info("{} is up to date (same prompts, models and options); --force redoes it", s.out());
            return new SampleResult(true, 0, 0, 0, 0, 0, List.of(), seconds(t0), 0);
        }
        Path tokenizerFile = s.model().resolve("tokenizer.json");
        Tally t = new Tally();
        try (PromptSource source = new PromptSource(s.model(), config.vocab_size(), s.chatTemplate(),
                s.maxPromptTokens())) {
            long total = checkAll(shards, s, source);
            // Closed in reverse: journal first (an empty one goes), then the output, which removes a directory it made.
            try (Tokenizer tokenizer = Files.isRegularFile(tokenizerFile) ? Tokenizer.load(s.model()) : null;
                    SampleModels models = SampleModels.load(s);
                    ShardedOutput out = new ShardedOutput(s.out(), s.format(), s.slice(), 0);
                    SampleJournal journal = SampleJournal.open(s.out(), s.slice(), runKey(planned), s.resume())) {
                if (tokenizer == null) {
                    LOG.info("{} has no tokenizer.json: writing completions_ids only, no completions text", s.model());
                }
                Detokenizer detok = tokenizer == null ? null : ids -> tokenizer.decode(ids, false);
                SchemeSampler sampler = new SchemeSampler(s, models.policy(), models.ref(), GenerationConfig.read(s.model())
                        .eos_token_ids(), detok);
                progress.start("sample", "prompts", total);
                try (DatasetReader in = new DatasetReader(shards, s.slice())) {
                    List<SamplePrompt> group = new ArrayList<>(s.batchSize());
                    while (in.hasNext()) {
                        group.add(source.prompt(in.next(), in.location()));
                        if (group.size() == s.batchSize()) {
                            sampleGroup(group, s, sampler, tokenizer != null, journal, out, t);
                        }
                    }
                    sampleGroup(group, s, sampler, tokenizer != null, journal, out, t);
                } finally {
                    progress.finish();
                }
                double secs = seconds(t0);
                Map<String, Long> counts = new LinkedHashMap<>();
                counts.put("prompts", t.prompts);
                counts.put("prompts_resumed", t.resumed);
                counts.put("responses", t.responses);
                counts.put("pilaf_interpolated", t.interpolated);
                counts.put("tokens", t.tokens);
                counts.put("generate_ms", t.generateNanos / 1_000_000);
                List<String> names = out.commit(planned.withResults(counts, List.of(), startedAt,
                        Instant.now().toString(), secs));
                journal.delete();
                SampleResult r = new SampleResult(false, t.prompts, t.resumed, t.responses, t.interpolated, t.tokens,
                        names, secs, t.generateNanos / 1e9);
                LOG.info("sampled {} prompts ({} responses, {} tokens) in {}s, {} tokens/s", t.prompts, t.responses,
                        t.tokens, String.format("%.2f", secs), String.format("%.0f", r.tokensPerSecond()));
                return r;
            }
        }
    }

    private void sampleGroup(List<SamplePrompt> group, SampleSettings s, SchemeSampler sampler, boolean withText,
            SampleJournal journal, ShardedOutput out, Tally t) {
        if (group.isEmpty()) {
            return;
        }
        List<SamplePrompt> todo = new ArrayList<>();
        for (SamplePrompt p : group) {
            if (journal.get(p.id()) == null) {
                todo.add(p);
            }
        }
        Map<String, ObjectNode> fresh = new LinkedHashMap<>();
        if (!todo.isEmpty()) {
            long g0 = System.nanoTime();
            List<List<SampledResponse>> responses = sampler.sample(todo);
            t.generateNanos += System.nanoTime() - g0;
            for (int i = 0; i < todo.size(); i++) {
                List<SampledResponse> rs = responses.get(i);
                fresh.put(todo.get(i).id(), CandidatesRecord.of(todo.get(i), rs, s, withText, s.writesRefLogps(),
                        sampler));
                for (SampledResponse r : rs) {
                    t.tokens += r.generation().tokens().length;
                    if (r.generator().equals("pi+")) {
                        t.interpolated++;
                    }
                }
            }
            journal.append(fresh);
        }
        for (SamplePrompt p : group) {
            // what is written is what the journal holds, so a resumed run writes the same records
            ObjectNode r = journal.get(p.id());
            out.write(r);
            t.responses += r.withArray("completions_ids").size();
        }
        t.prompts += group.size();
        t.resumed += group.size() - todo.size();
        progress.advance(group.size());
        group.clear();
        long now = System.nanoTime();
        if (now - t.lastLog > 10_000_000_000L) {
            // the bar counts prompts; decoding speed is in tokens, which prompts of varied length hide
            t.lastLog = now;
            LOG.info("{} prompts sampled, {} tokens, {} tokens/s", t.prompts, t.tokens,
                    String.format("%.0f", t.generateNanos > 0 ? t.tokens / (t.generateNanos / 1e9) : 0));
        }
    }

    /** Reads all prompts once, so bad data fails before a model is loaded; returns the prompt count. */
    private static long checkAll(List<Shard> shards, SampleSettings s, PromptSource source) {
        Set<String> ids = new HashSet<>();
        long n = 0;
        try (DatasetReader in = new DatasetReader(shards, s.slice())) {
            while (in.hasNext()) {
                SamplePrompt p = source.prompt(in.next(), in.location());
                n++;
                if (!ids.add(p.id())) {
                    throw new DataException(in.location() + ", field \"id\": the id " + p.id() + " occurs twice;"
                            + " sample seeds each prompt's responses and resumes runs by prompt id");
                }
            }
        }
        if (n == 0) {
            throw new DataException(s.prompts() + ": no prompt records" + (s.slice().isAll() ? "" : " in slice "
                    + s.slice()));
        }
        return n;
    }

    private static DecoderConfig checkModel(Path dir, String option) {
        DecoderConfig c = DecoderConfig.read(dir);
        if (c.head() != ModelHead.CAUSAL_LM) {
            throw new ModelException(option + " " + dir + ": " + c.architecture() + " is not a causal language model;"
                    + " sample needs *ForCausalLM");
        }
        return c;
    }

    /** Weights and config of both models, the tokenizer files prompts are tokenized with, and the adapters' files. */
    private static List<FileFingerprint> modelFingerprints(SampleSettings s) {
        List<FileFingerprint> out = new ArrayList<>(ModelFingerprint.of(s.model()));
        out.addAll(TokenizerFingerprint.of(s.model()));
        if (s.adapter() != null) {
            out.addAll(ModelFingerprint.ofAdapter(s.adapter()));
        }
        if (s.ref() != null) {
            out.addAll(ModelFingerprint.of(s.ref()));
        }
        if (s.refAdapter() != null) {
            out.addAll(ModelFingerprint.ofAdapter(s.refAdapter()));
        }
        return out;
    }

    private static String runKey(Manifest planned) {
        try {
            ObjectMapper json = JsonCodec.mapper();
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(json.writeValueAsString(planned).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Counts of one run. */
    private static final class Tally {
        long prompts;
        long resumed;
        long responses;
        long interpolated;
        long tokens;
        long generateNanos;
        long lastLog = System.nanoTime();
    }
}

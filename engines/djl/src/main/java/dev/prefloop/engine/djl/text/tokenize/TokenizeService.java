package dev.prefloop.engine.djl.text.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.PrefloopVersion;
import dev.prefloop.core.data.DatasetLocator;
import dev.prefloop.core.data.DatasetReader;
import dev.prefloop.core.data.Shard;
import dev.prefloop.core.error.DataException;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.core.output.FileFingerprint;
import dev.prefloop.core.output.Manifest;
import dev.prefloop.core.output.RerunCheck;
import dev.prefloop.core.output.ShardedOutput;
import dev.prefloop.core.progress.Progress;
import dev.prefloop.core.records.Problem;
import dev.prefloop.core.records.RecordChecker;
import dev.prefloop.core.records.RecordKind;
import dev.prefloop.engine.djl.text.RecordTokenizer;
import dev.prefloop.engine.djl.text.TokenizedRecord;
import dev.prefloop.engine.djl.text.Tokenizer;
import dev.prefloop.engine.djl.text.TokenizerFingerprint;
import dev.prefloop.engine.djl.text.TruncationTally;
import dev.prefloop.engine.djl.text.template.ChatTemplate;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TokenizeService writes each record with its rendered texts and token ids added
 * ({@code prompt_text}/{@code prompt_ids}, {@code chosen_text}/{@code chosen_ids}, ...), other fields
 * carried through; the first bad record stops the run and nothing is left in the output.
 */
public final class TokenizeService {

    private static final Logger LOG = LoggerFactory.getLogger(TokenizeService.class);

    private final Progress progress;

    public TokenizeService(Progress progress) {
        this.progress = progress;
    }

    /** Runs the tokenization. */
    public TokenizeResult run(TokenizeSettings s) {
        long t0 = System.nanoTime();
        String startedAt = Instant.now().toString();
        if (!Files.isDirectory(s.model())) {
            throw new UsageException("--model " + s.model() + ": not a directory");
        }
        List<Shard> shards = DatasetLocator.locate(s.input());
        Manifest planned = Manifest.planned("tokenize", PrefloopVersion.get(), s.manifestOptions(),
                FileFingerprint.ofShards(shards), TokenizerFingerprint.of(s.model()), null, s.slice().toString());
        if (RerunCheck.decide(s.out(), s.slice(), planned, s.force()) == RerunCheck.Decision.UP_TO_DATE) {
            LOG.info("{} is up to date (same inputs, model, options and prefloop version); --force redoes it", s.out());
            return new TokenizeResult(true, 0, List.of(), Map.of(), seconds(t0));
        }
        ChatTemplate template = ChatTemplate.load(s.model());
        try (Tokenizer tokenizer = Tokenizer.load(s.model());
             ShardedOutput out = new ShardedOutput(s.out(), s.format(), s.slice(), 0)) {
            RecordTokenizer records = s.tokenization().recordTokenizer(tokenizer, template);
            TruncationTally counts = new TruncationTally();
            progress.start("tokenize", "records", -1);
            try (DatasetReader in = new DatasetReader(shards, s.slice())) {
                while (in.hasNext()) {
                    ObjectNode r = in.next();
                    check(r, in.location());
                    TokenizedRecord t = records.tokenize(r, in.location());
                    ObjectNode tokenized = withTokens(r, t);
                    if (s.assistantMasks() && r.has("messages")) {
                        tokenized.set("assistant_masks", assistantMasks(records.assistantMasked(r, in.location()),
                                tokenized, in.location()));
                    }
                    out.write(tokenized);
                    counts.add(t);
                    progress.advance(1);
                }
            } finally {
                progress.finish();
            }
            double secs = seconds(t0);
            List<String> warnings = counts.warnings();
            warnings.forEach(LOG::warn);
            List<String> names = out.commit(planned.withResults(counts.asMap(), warnings, startedAt,
                    Instant.now().toString(), secs));
            return new TokenizeResult(false, counts.records(), names, counts.asMap(), secs);
        }
    }

    /** Refuses a record tokenize (and score, for its text records) cannot read, naming record and field. */
    public static void check(ObjectNode r, String where) {
        RecordKind kind = RecordKind.detect(r).orElseThrow(() -> new DataException(where + ": the record has none of"
                + " the fields tokenize reads (prompt, completion, chosen/rejected, completions, messages)"));
        for (Problem p : RecordChecker.check(r, kind)) {
            if (p.severity() == Problem.Severity.ERROR) {
                throw new DataException(where + ", " + p.describe() + " (checked as a " + kind.label() + " record)");
            }
        }
    }

    /** The record with texts and ids added; ids fields it had are replaced by the (truncated) ids. */
    static ObjectNode withTokens(ObjectNode record, TokenizedRecord t) {
        ObjectNode o = record.deepCopy();
        if (t.prompt() != null) {
            o.put("prompt_text", t.prompt().text());
            o.set("prompt_ids", ids(o, t.prompt().ids()));
        }
        ArrayNode candidateTexts = null;
        ArrayNode candidateIds = null;
        for (TokenizedRecord.Completion c : t.completions()) {
            switch (c.field()) {
                case "messages" -> {
                    o.put("text", c.segment().text());
                    o.set("input_ids", ids(o, c.segment().ids()));
                }
                case "completions" -> {
                    if (candidateTexts == null) {
                        candidateTexts = o.arrayNode();
                        candidateIds = o.arrayNode();
                    }
                    candidateTexts.add(c.segment().text());
                    candidateIds.add(ids(o, c.segment().ids()));
                }
                default -> {
                    o.put(c.field() + "_text", c.segment().text());
                    o.set(c.field() + "_ids", ids(o, c.segment().ids()));
                }
            }
        }
        if (candidateTexts != null) {
            o.set("completions_text", candidateTexts);
            o.set("completions_ids", candidateIds);
        }
        return o;
    }

    /**
     * The assistant mask aligned with the {@code input_ids} just written (truncation cuts both alike); a rendering
     * that tokenizes differently for the mask than for the ids would misalign them, so it stops the run.
     */
    static ArrayNode assistantMasks(RecordTokenizer.MaskedConversation masked, ObjectNode tokenized, String where) {
        JsonNode written = tokenized.get("input_ids");
        long[] full = masked.ids();
        if (written.size() > full.length) {
            throw new DataException(where + ", field messages: the assistant-masked rendering has " + full.length
                    + " tokens, the tokenized one " + written.size());
        }
        ArrayNode mask = tokenized.arrayNode(written.size());
        for (int i = 0; i < written.size(); i++) {
            if (written.get(i).asLong() != full[i]) {
                throw new DataException(where + ", field messages: token " + i + " differs between the rendering"
                        + " with assistant masks and the plain one");
            }
            mask.add(masked.assistantMask()[i]);
        }
        return mask;
    }

    private static ArrayNode ids(ObjectNode factory, long[] ids) {
        ArrayNode a = factory.arrayNode(ids.length);
        for (long id : ids) {
            a.add(id);
        }
        return a;
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}

package dev.prefloop.engine.djl.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.error.DataException;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.core.output.FileFingerprint;
import dev.prefloop.engine.djl.text.RecordTokenizer;
import dev.prefloop.engine.djl.text.TokenizationOptions;
import dev.prefloop.engine.djl.text.TokenizedRecord;
import dev.prefloop.engine.djl.text.Tokenizer;
import dev.prefloop.engine.djl.text.TokenizerFingerprint;
import dev.prefloop.engine.djl.text.template.ChatTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * TextRecordSource reads training records holding text (strings or message lists) with the model directory's
 * tokenizer and chat template, split exactly as {@code prefloop tokenize} splits them (TRL's tokenisation), so
 * training on text equals training on its tokenized form. Ids a record carries win over its text, field by field;
 * a record of ids only needs no tokenizer, which is loaded at the first text record. A {@code messages} record is
 * one sequence whose loss reads its assistant turns only (TRL's assistant_only_loss). Truncation is left to
 * {@link TrainingSet} (max_length, max_prompt_length), as for ids.
 */
public final class TextRecordSource implements TrainingRecordSource, AutoCloseable {

    private static final List<String> PAIR_FIELDS = List.of("prompt", "chosen", "rejected");
    private static final List<String> SFT_FIELDS = List.of("prompt", "completion");

    private final Path tokenizerDir;
    private final TokenizationOptions options;
    private final long vocab;
    private final IdsRecordSource ids;
    private Tokenizer tokenizer;
    private RecordTokenizer records;
    private boolean usedText;

    /**
     * @param tokenizerDir the model directory whose tokenizer.json, tokenizer_config.json and chat template apply
     * @param options chat-template variables and clock (their truncation limits must be 0: training truncates)
     * @param vocab the model's vocabulary size; ids at or above it are an error
     */
    public TextRecordSource(Path tokenizerDir, TokenizationOptions options, long vocab) {
        if (options.maxPromptTokens() != 0 || options.maxCompletionTokens() != 0) {
            throw new IllegalArgumentException("training truncates with max_length and max_prompt_length");
        }
        this.tokenizerDir = tokenizerDir;
        this.options = options;
        this.vocab = vocab;
        this.ids = new IdsRecordSource(vocab);
    }

    @Override
    public TokenizedPair pair(ObjectNode record, String location) {
        if (!needsText(record, PAIR_FIELDS)) {
            return ids.pair(record, location);
        }
        TokenizedRecord t = records(location).tokenize(record, location);
        TokenizedRecord.Completion chosen = t.completion("chosen");
        TokenizedRecord.Completion rejected = t.completion("rejected");
        if (chosen == null || rejected == null) {
            throw new DataException(location + ": field '" + (chosen == null ? "chosen" : "rejected")
                    + "' is missing: a preference record needs prompt, chosen and rejected (text or ids)");
        }
        return new TokenizedPair(checked(t.prompt().ids(), "prompt", location),
                checked(chosen.segment().ids(), "chosen", location), checked(rejected.segment().ids(), "rejected",
                location), IdsRecordSource.number(record, "ref_chosen_logps", location),
                IdsRecordSource.number(record, "ref_rejected_logps", location));
    }

    @Override
    public TokenizedCompletion completion(ObjectNode record, String location) {
        if (record.hasNonNull("messages") && !record.has("prompt")) {
            RecordTokenizer.MaskedConversation c = records(location).assistantMasked(record, location);
            return new TokenizedCompletion(new long[0], checked(c.ids(), "messages", location), c.assistantMask());
        }
        if (!needsText(record, SFT_FIELDS)) {
            return ids.completion(record, location);
        }
        TokenizedRecord t = records(location).tokenize(record, location);
        TokenizedRecord.Completion c = t.completion("completion");
        if (c == null) {
            throw new DataException(location + ": field 'completion' is missing: an SFT record needs prompt and"
                    + " completion (text or ids), or messages");
        }
        return new TokenizedCompletion(checked(t.prompt().ids(), "prompt", location),
                checked(c.segment().ids(), "completion", location));
    }

    /** Whether any record so far was tokenized from text. */
    public boolean usedText() {
        return usedText;
    }

    /** The tokenizer files that decide the ids of text records, for manifests and cache keys. */
    public List<FileFingerprint> tokenizerFingerprint() {
        return TokenizerFingerprint.of(tokenizerDir);
    }

    /** One line naming the tokenizer files and the options that decide the ids (a cache key part). */
    public String identity() {
        StringBuilder b = new StringBuilder("tokenizer");
        for (FileFingerprint f : tokenizerFingerprint()) {
            b.append('|').append(Path.of(f.path()).getFileName()).append('=').append(f.sha256());
        }
        return b.append("|options=").append(options.manifestOptions()).toString();
    }

    private static boolean needsText(ObjectNode r, List<String> fields) {
        for (String f : fields) {
            if (r.hasNonNull(f) && !r.hasNonNull(f + "_ids")) {
                return true;
            }
        }
        return false;
    }

    private RecordTokenizer records(String location) {
        if (records == null) {
            if (!Files.isRegularFile(tokenizerDir.resolve("tokenizer.json"))) {
                throw new ModelException(location + ": the record is text (no token ids) and " + tokenizerDir
                        + " has no tokenizer.json to tokenize it: give a model directory with its tokenizer files,"
                        + " or pre-tokenize the data with prefloop tokenize --model TOKENIZER_DIR");
            }
            ChatTemplate template = ChatTemplate.load(tokenizerDir);
            tokenizer = Tokenizer.load(tokenizerDir);
            records = options.recordTokenizer(tokenizer, template);
        }
        usedText = true;
        return records;
    }

    private long[] checked(long[] tokens, String field, String location) {
        for (long id : tokens) {
            if (id < 0 || id >= vocab) {
                throw new ModelException(location + ", field " + field + ": token id " + id + " is outside the model's"
                        + " vocabulary [0, " + vocab + "): " + tokenizerDir + "'s tokenizer does not belong to the"
                        + " model");
            }
        }
        return tokens;
    }

    @Override
    public void close() {
        if (tokenizer != null) {
            tokenizer.close();
        }
    }
}

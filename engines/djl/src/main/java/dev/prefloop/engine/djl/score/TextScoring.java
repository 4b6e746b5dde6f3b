package dev.prefloop.engine.djl.score;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.engine.djl.text.RecordTokenizer;
import dev.prefloop.engine.djl.text.TokenizationOptions;
import dev.prefloop.engine.djl.text.TokenizedRecord;
import dev.prefloop.engine.djl.text.Tokenizer;
import dev.prefloop.engine.djl.text.TruncationTally;
import dev.prefloop.engine.djl.text.template.ChatTemplate;
import dev.prefloop.engine.djl.text.tokenize.TokenizeService;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * TextScoring turns score's text records into requests with the model directory's tokenizer and
 * chat template, exactly as {@code prefloop tokenize} splits them, so scoring a text record equals
 * scoring its tokenized form. The tokenizer is loaded at the first text record: a dataset of ids
 * needs none, and a model directory without one is an error only when text arrives.
 */
final class TextScoring implements AutoCloseable {

    private final Path model;
    private final TokenizationOptions options;
    private final long vocab;
    private final TruncationTally tally = new TruncationTally();
    private Tokenizer tokenizer;
    private RecordTokenizer records;

    TextScoring(Path model, TokenizationOptions options, long vocab) {
        this.model = model;
        this.options = options;
        this.vocab = vocab;
    }

    /** The request of {@code r}: from its ids, or tokenized when a field it reads is text only. */
    ScoreRequest request(ObjectNode r, String where) {
        if (!ScoreRequest.needsTokenizer(r)) {
            return ScoreRequest.of(r, where, vocab);
        }
        TokenizeService.check(r, where); // the records tokenize accepts, no others
        TokenizedRecord t = tokenizer(where).tokenize(r, where);
        tally.add(t);
        return ScoreRequest.of(t, where, vocab);
    }

    /** Token and truncation counts of the records tokenized here. */
    TruncationTally tally() {
        return tally;
    }

    private RecordTokenizer tokenizer(String where) {
        if (records == null) {
            if (!Files.isRegularFile(model.resolve("tokenizer.json"))) {
                throw new ModelException(where + ": the record is text (no token ids) and " + model + " has no"
                        + " tokenizer.json to tokenize it: give a model directory with its tokenizer files, or"
                        + " pre-tokenize the data with prefloop tokenize --model TOKENIZER_DIR");
            }
            ChatTemplate template = ChatTemplate.load(model);
            tokenizer = Tokenizer.load(model);
            records = options.recordTokenizer(tokenizer, template);
        }
        return records;
    }

    @Override
    public void close() {
        if (tokenizer != null) {
            tokenizer.close();
        }
    }
}

package dev.prefloop.engine.djl.sample;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.error.DataException;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.engine.djl.text.RecordTokenizer;
import dev.prefloop.engine.djl.text.TokenizationOptions;
import dev.prefloop.engine.djl.text.Tokenizer;
import dev.prefloop.engine.djl.text.template.ChatTemplate;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * PromptSource turns prompt records into token ids: {@code prompt_ids} as given, or a text prompt
 * tokenized with the model directory's tokenizer. With the chat template on, a string prompt is a
 * single user turn rendered with the generation prompt, and message lists are rendered as they
 * are (through {@link RecordTokenizer}, as {@code tokenize} does); with it off a string is tokenized
 * as plain text. The tokenizer is loaded at the first text prompt, so ids-only data needs none.
 */
final class PromptSource implements AutoCloseable {

    private final Path model;
    private final long vocab;
    private final boolean chatTemplate;
    private final int maxPromptTokens;
    private Tokenizer tokenizer;
    private RecordTokenizer records;
    private boolean templatePresent;

    PromptSource(Path model, long vocab, boolean chatTemplate, int maxPromptTokens) {
        this.model = model;
        this.vocab = vocab;
        this.chatTemplate = chatTemplate;
        this.maxPromptTokens = maxPromptTokens;
    }

    /** The prompt of {@code r}; {@code where} names the file and record in errors. */
    SamplePrompt prompt(ObjectNode r, String where) {
        long[] ids;
        JsonNode given = r.get("prompt_ids");
        if (given != null && !given.isNull()) {
            ids = truncated(ids(given, where));
        } else {
            JsonNode prompt = r.get("prompt");
            if (prompt == null || prompt.isNull()) {
                throw new DataException(where + ": no prompt: expected a field \"prompt\" (a string or a list of"
                        + " messages) or \"prompt_ids\"");
            }
            if (!prompt.isTextual() && !prompt.isArray()) {
                throw new DataException(where + ", field \"prompt\": expected a string or a list of messages, got "
                        + prompt.getNodeType().toString().toLowerCase());
            }
            ids = tokenize(prompt, r, where);
        }
        if (ids.length == 0) {
            throw new DataException(where + ", field \"" + (given != null && !given.isNull() ? "prompt_ids" : "prompt")
                    + "\": the prompt has no tokens");
        }
        return new SamplePrompt(id(r, ids, where), ids, r);
    }

    private long[] tokenize(JsonNode prompt, ObjectNode r, String where) {
        RecordTokenizer t = tokenizer(where);
        ObjectNode only = JsonCodec.mapper().createObjectNode();
        if (prompt.isArray() && !chatTemplate) {
            throw new DataException(where + ", field \"prompt\": a list of messages needs the chat template;"
                    + " --no-chat-template takes string prompts");
        }
        if (prompt.isTextual() && chatTemplate && templatePresent) {
            ObjectNode turn = only.putArray("prompt").addObject();
            turn.put("role", "user");
            turn.put("content", prompt.textValue());
        } else {
            only.set("prompt", prompt);
        }
        if (r.has("chat_template_kwargs")) {
            only.set("chat_template_kwargs", r.get("chat_template_kwargs"));
        }
        return t.tokenize(only, where).prompt().ids();
    }

    private RecordTokenizer tokenizer(String where) {
        if (records == null) {
            if (!Files.isRegularFile(model.resolve("tokenizer.json"))) {
                throw new ModelException(where + ": the prompt is text (no prompt_ids) and " + model + " has no"
                        + " tokenizer.json to tokenize it: give a model directory with its tokenizer files, or"
                        + " pre-tokenize the prompts with prefloop tokenize --model TOKENIZER_DIR");
            }
            ChatTemplate template = ChatTemplate.load(model);
            templatePresent = template.isPresent();
            tokenizer = Tokenizer.load(model);
            records = new TokenizationOptions(maxPromptTokens, 0, null, null).recordTokenizer(tokenizer, template);
        }
        return records;
    }

    /** The tokenizer, once a text prompt loaded it; null before. */
    Tokenizer loadedTokenizer() {
        return tokenizer;
    }

    private long[] ids(JsonNode n, String where) {
        if (!n.isArray()) {
            throw new DataException(where + ", field \"prompt_ids\": expected a list of token ids, got "
                    + n.getNodeType().toString().toLowerCase());
        }
        long[] out = new long[n.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = n.get(i);
            if (!v.isIntegralNumber() || v.asLong() < 0 || v.asLong() >= vocab) {
                throw new DataException(where + ", field \"prompt_ids\"[" + i + "]: expected a token id in [0, "
                        + vocab + "), got " + v);
            }
            out[i] = v.asLong();
        }
        return out;
    }

    private long[] truncated(long[] ids) {
        return maxPromptTokens > 0 && ids.length > maxPromptTokens
                ? Arrays.copyOfRange(ids, ids.length - maxPromptTokens, ids.length) : ids;
    }

    private static String id(ObjectNode r, long[] ids, String where) {
        JsonNode id = r.get("id");
        if (id == null || id.isNull()) {
            return "sha256:" + hash(ids);
        }
        if (!id.isTextual() && !id.isIntegralNumber()) {
            throw new DataException(where + ", field \"id\": expected a string or an integer, got "
                    + id.getNodeType().toString().toLowerCase());
        }
        return id.asText();
    }

    private static String hash(long[] ids) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer b = ByteBuffer.allocate(8 * ids.length);
            for (long v : ids) {
                b.putLong(v);
            }
            return HexFormat.of().formatHex(md.digest(b.array())).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (tokenizer != null) {
            tokenizer.close();
        }
    }
}

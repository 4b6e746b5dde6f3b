package dev.prefloop.engine.djl.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prefloop.core.error.ModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A model's {@code tokenizer.json} through DJL's binding of Hugging Face tokenizers, loaded only from
 * a local path, never truncating or padding, with {@code add_bos_token}/{@code add_eos_token} from
 * {@code tokenizer_config.json} deciding which special tokens {@code encode(text, true)} adds.
 */
public final class Tokenizer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HuggingFaceTokenizer tokenizer;
    private final Path source;
    /** null: leave special tokens to tokenizer.json's post-processor; else the ids to add around the text. */
    private final long[] prefix;
    private final long[] suffix;

    private Tokenizer(HuggingFaceTokenizer tokenizer, Path source, long[] prefix, long[] suffix) {
        this.tokenizer = tokenizer;
        this.source = source;
        this.prefix = prefix;
        this.suffix = suffix;
    }

    /**
     * Loads {@code DIR/tokenizer.json} and, when present, {@code DIR/tokenizer_config.json}.
     *
     * @throws ModelException when the files are missing or unreadable, or a configured bos/eos token
     *     is not a single token of the vocabulary
     */
    public static Tokenizer load(Path modelDir) {
        Path file = modelDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new ModelException(file + " not found: prefloop reads fast tokenizers (tokenizer.json) only");
        }
        HuggingFaceTokenizer hf;
        try {
            // A path, never a name: a name makes the native side download from the Hub.
            hf = HuggingFaceTokenizer.builder().optTokenizerPath(file.toAbsolutePath())
                    .optAddSpecialTokens(false).optTruncation(false).optPadding(false).build();
        } catch (IOException | RuntimeException e) {
            throw new ModelException("cannot load " + file + ": " + e.getMessage(), e);
        }
        try {
            JsonNode config = readConfig(modelDir.resolve("tokenizer_config.json"));
            long[] prefix = null;
            long[] suffix = null;
            if (config != null && (config.has("add_bos_token") || config.has("add_eos_token"))) {
                prefix = flag(config, "add_bos_token") ? new long[] {specialId(hf, config, "bos_token", file)} : new long[0];
                suffix = flag(config, "add_eos_token") ? new long[] {specialId(hf, config, "eos_token", file)} : new long[0];
            }
            return new Tokenizer(hf, file, prefix, suffix);
        } catch (RuntimeException e) {
            hf.close();
            throw e;
        }
    }

    /** Token ids of a text; with special tokens, as tokenizer_config.json or tokenizer.json asks. */
    public long[] encode(String text, boolean addSpecialTokens) {
        return tokenize(text, addSpecialTokens).ids();
    }

    /** Token ids with the span of text each came from, in Java (UTF-16) string indices. */
    public TokenizedText tokenize(String text, boolean addSpecialTokens) {
        boolean byPostProcessor = addSpecialTokens && prefix == null;
        Encoding e;
        try {
            e = tokenizer.encode(text, byPostProcessor, false);
        } catch (RuntimeException ex) {
            throw new ModelException("tokenizer " + source + " failed to encode: " + ex.getMessage(), ex);
        }
        long[] ids = e.getIds();
        CharSpan[] spans = e.getCharTokenSpans();
        int[] starts = new int[ids.length];
        int[] ends = new int[ids.length];
        // The native side counts code points; Java strings count UTF-16 units (an emoji is 2).
        int[] utf16At = utf16Offsets(text);
        for (int i = 0; i < ids.length; i++) {
            CharSpan s = spans[i];
            starts[i] = s == null ? -1 : utf16At[Math.min(s.getStart(), utf16At.length - 1)];
            ends[i] = s == null ? -1 : utf16At[Math.min(s.getEnd(), utf16At.length - 1)];
        }
        if (addSpecialTokens && prefix != null) {
            return withSpecials(ids, starts, ends);
        }
        return new TokenizedText(ids, starts, ends);
    }

    private TokenizedText withSpecials(long[] ids, int[] starts, int[] ends) {
        int n = prefix.length + ids.length + suffix.length;
        long[] allIds = new long[n];
        int[] allStarts = new int[n];
        int[] allEnds = new int[n];
        Arrays.fill(allStarts, -1);
        Arrays.fill(allEnds, -1);
        System.arraycopy(prefix, 0, allIds, 0, prefix.length);
        System.arraycopy(ids, 0, allIds, prefix.length, ids.length);
        System.arraycopy(starts, 0, allStarts, prefix.length, ids.length);
        System.arraycopy(ends, 0, allEnds, prefix.length, ids.length);
        System.arraycopy(suffix, 0, allIds, prefix.length + ids.length, suffix.length);
        return new TokenizedText(allIds, allStarts, allEnds);
    }

    /** The text of token ids; special tokens are kept unless asked to skip them. */
    public String decode(long[] ids, boolean skipSpecialTokens) {
        try {
            return tokenizer.decode(ids, skipSpecialTokens);
        } catch (RuntimeException e) {
            throw new ModelException("tokenizer " + source + " failed to decode: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    /** utf16At[k] is the UTF-16 index of code point k; one extra entry for the end of the text. */
    private static int[] utf16Offsets(String text) {
        int[] at = new int[text.codePointCount(0, text.length()) + 1];
        int k = 0;
        for (int i = 0; i < text.length(); i += Character.charCount(text.codePointAt(i))) {
            at[k++] = i;
        }
        at[k] = text.length();
        return at;
    }

    private static boolean flag(JsonNode config, String name) {
        JsonNode v = config.get(name);
        return v != null && v.asBoolean(false);
    }

    /** The id of a special token named in tokenizer_config.json (a string or {"content": ...}). */
    private static long specialId(HuggingFaceTokenizer hf, JsonNode config, String name, Path file) {
        JsonNode node = config.get(name);
        String content = node == null || node.isNull() ? null : node.isTextual() ? node.textValue()
                : node.path("content").asText(null);
        if (content == null) {
            throw new ModelException("tokenizer_config.json sets add_" + name.replace("_token", "") + "_token but has no "
                    + name);
        }
        long[] ids = hf.encode(content, false, false).getIds();
        if (ids.length != 1) {
            throw new ModelException(name + " " + content + " is not a single token of " + file + " (it encodes to "
                    + ids.length + " tokens)");
        }
        return ids[0];
    }

    private static JsonNode readConfig(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelException(file + " is not valid JSON: " + e.getMessage(), e);
        }
    }
}

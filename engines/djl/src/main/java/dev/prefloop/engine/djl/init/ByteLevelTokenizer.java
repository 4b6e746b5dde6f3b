package dev.prefloop.engine.djl.init;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.engine.djl.weights.HfJsonWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ByteLevelTokenizer is the tokenizer {@code prefloop init} gives a preset model so that text
 * verbs work end to end: GPT-2's byte-level BPE with no merges (every UTF-8 byte is one token, so
 * any text round-trips), six special tokens and a minimal chat template, written as the
 * {@code tokenizer.json} and {@code tokenizer_config.json} that transformers and HF tokenizers load.
 *
 * <p>Ids: 0 {@code <pad>}, 1 {@code <s>} (bos), 2 {@code </s>} (eos, ends every turn), 3-5 the
 * role markers {@code <|system|>}, {@code <|user|>}, {@code <|assistant|>}, then byte b is id 6 + b.
 * The {@value #SIZE} ids are the first rows of any preset's vocabulary (4096 or more); the rows
 * above are never produced from text.
 */
public final class ByteLevelTokenizer {

    /** The special tokens, by id. */
    public static final List<String> SPECIALS = List.of("<pad>", "<s>", "</s>", "<|system|>", "<|user|>",
            "<|assistant|>");

    /** Ids the tokenizer uses: the specials and 256 bytes. */
    public static final int SIZE = 6 + 256;

    /**
     * {@code <s><|role|>\ncontent</s>\n} per message, then {@code <|assistant|>\n} when a
     * generation prompt is asked for.
     */
    public static final String CHAT_TEMPLATE = "{{ bos_token }}{% for message in messages %}"
            + "{{ '<|' + message['role'] + '|>\\n' + message['content'] + eos_token + '\\n' }}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}";

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private ByteLevelTokenizer() {}

    /** The files by name. */
    public static Map<String, String> files(int modelMaxLength) {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("tokenizer.json", HfJsonWriter.write(tokenizerJson()));
        files.put("tokenizer_config.json", HfJsonWriter.write(tokenizerConfig(modelMaxLength)));
        return files;
    }

    static ObjectNode tokenizerJson() {
        ObjectNode t = F.objectNode();
        t.put("version", "1.0");
        t.putNull("truncation");
        t.putNull("padding");
        ArrayNode added = t.putArray("added_tokens");
        for (int id = 0; id < SPECIALS.size(); id++) {
            ObjectNode a = added.addObject();
            a.put("id", id);
            a.put("content", SPECIALS.get(id));
            a.put("single_word", false);
            a.put("lstrip", false);
            a.put("rstrip", false);
            a.put("normalized", false);
            a.put("special", true);
        }
        t.putNull("normalizer");
        t.set("pre_tokenizer", byteLevel(false, true));
        t.set("post_processor", byteLevel(true, false));
        t.set("decoder", byteLevel(true, true));
        ObjectNode model = t.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < SPECIALS.size(); id++) {
            vocab.put(SPECIALS.get(id), id);
        }
        String[] symbols = byteSymbols();
        for (int b = 0; b < 256; b++) {
            vocab.put(symbols[b], SPECIALS.size() + b);
        }
        model.putArray("merges");
        return t;
    }

    static ObjectNode tokenizerConfig(int modelMaxLength) {
        ObjectNode c = F.objectNode();
        ObjectNode decoder = c.putObject("added_tokens_decoder");
        for (int id = 0; id < SPECIALS.size(); id++) {
            ObjectNode a = decoder.putObject(Integer.toString(id));
            a.put("content", SPECIALS.get(id));
            a.put("lstrip", false);
            a.put("normalized", false);
            a.put("rstrip", false);
            a.put("single_word", false);
            a.put("special", true);
        }
        c.put("bos_token", SPECIALS.get(1));
        c.put("eos_token", SPECIALS.get(2));
        c.put("pad_token", SPECIALS.get(0));
        c.putNull("unk_token");
        c.put("chat_template", CHAT_TEMPLATE);
        c.put("clean_up_tokenization_spaces", false);
        c.put("model_max_length", modelMaxLength);
        c.put("tokenizer_class", "PreTrainedTokenizerFast");
        return c;
    }

    private static ObjectNode byteLevel(boolean addPrefixSpace, boolean trimOffsets) {
        ObjectNode n = F.objectNode();
        n.put("type", "ByteLevel");
        n.put("add_prefix_space", addPrefixSpace);
        n.put("trim_offsets", trimOffsets);
        n.put("use_regex", true);
        return n;
    }

    /** GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the others for 256 + n. */
    static String[] byteSymbols() {
        List<Integer> printable = new ArrayList<>();
        for (int b = '!'; b <= '~'; b++) {
            printable.add(b);
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            printable.add(b);
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            printable.add(b);
        }
        String[] out = new String[256];
        int n = 0;
        for (int b = 0; b < 256; b++) {
            out[b] = printable.contains(b) ? String.valueOf((char) b) : String.valueOf((char) (256 + n++));
        }
        return out;
    }
}

package dev.prefloop.engine.djl.text.tiny;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.error.DataException;
import dev.prefloop.core.error.UsageException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Creates the tokenizer of prefloop's own tiny models: a byte-level BPE {@code tokenizer.json}
 * (four special tokens, the 256 byte symbols, merges learned from a corpus) and a
 * {@code tokenizer_config.json} with bos/eos/pad tokens and a ChatML chat template, both in the
 * layout Hugging Face tokenizers and transformers load.
 */
public final class TinyTokenizerBuilder {

    /** Padding, and the end of plain text. */
    public static final String PAD = "<|endoftext|>";
    /** Added before every text (add_bos_token) and at the start of every chat. */
    public static final String BOS = "<|bos|>";
    /** Opens a chat turn. */
    public static final String IM_START = "<|im_start|>";
    /** Ends a chat turn; the eos token, so generation stops after an assistant turn. */
    public static final String IM_END = "<|im_end|>";

    private static final List<String> SPECIALS = List.of(PAD, BOS, IM_START, IM_END);
    /** The id of {@link #PAD}: a model's pad_token_id. */
    public static final int PAD_ID = SPECIALS.indexOf(PAD);
    /** The id of {@link #BOS}: a model's bos_token_id. */
    public static final int BOS_ID = SPECIALS.indexOf(BOS);
    /** The id of {@link #IM_END}, the eos token: a model's eos_token_id. */
    public static final int EOS_ID = SPECIALS.indexOf(IM_END);
    /** The smallest vocabulary: the special tokens and the byte symbols, no merges. */
    public static final int MIN_VOCAB = SPECIALS.size() + 256;

    /** ChatML, preceded by the bos token. */
    public static final String CHAT_TEMPLATE = "{{ bos_token }}{% for message in messages %}"
            + "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What was written. */
    public record Summary(int vocabSize, int merges) {}

    /** A built tokenizer: its files by name ({@code tokenizer.json}, {@code tokenizer_config.json}) and summary. */
    public record Built(Map<String, String> files, Summary summary) {}

    private TinyTokenizerBuilder() {}

    /**
     * Learns merges from {@code corpus} until the vocabulary holds {@code vocabSize} tokens (fewer
     * when the corpus has no pair left that occurs twice) and writes {@code tokenizer.json} and
     * {@code tokenizer_config.json} into {@code dir} (created if absent; each file replaced atomically).
     */
    public static Summary write(Path dir, int vocabSize, Iterable<String> corpus) {
        Built built = build(vocabSize, corpus);
        try {
            Files.createDirectories(dir);
            for (Map.Entry<String, String> f : built.files().entrySet()) {
                Path target = dir.resolve(f.getKey());
                Path temp = target.resolveSibling("." + target.getFileName() + ".tmp");
                Files.writeString(temp, f.getValue(), StandardCharsets.UTF_8);
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the tokenizer to " + dir, e);
        }
        return built.summary();
    }

    /**
     * Learns merges from {@code corpus} until the vocabulary holds {@code vocabSize} tokens (fewer
     * when the corpus has no pair left that occurs twice) and returns the files' contents, for a
     * caller that writes them with other files (prefloop init). Deterministic: the same corpus and
     * size give the same bytes.
     */
    public static Built build(int vocabSize, Iterable<String> corpus) {
        if (vocabSize < MIN_VOCAB) {
            throw new UsageException("--vocab-size " + vocabSize + ": a byte-level tokenizer needs at least "
                    + MIN_VOCAB + " tokens (" + SPECIALS.size() + " special tokens and 256 bytes)");
        }
        Map<String, Integer> vocab = new LinkedHashMap<>();
        SPECIALS.forEach(s -> vocab.put(s, vocab.size()));
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(ByteLevelAlphabet.symbol(b)), vocab.size());
        }
        List<String[]> merges = BytePairTrainer.learn(corpus, vocabSize - MIN_VOCAB);
        for (String[] m : merges) {
            // two merges can make the same token ("a"+"bc", "ab"+"c"): it gets one id
            vocab.putIfAbsent(m[0] + m[1], vocab.size());
        }
        Map<String, String> files = new LinkedHashMap<>();
        try {
            files.put("tokenizer.json", JSON.writeValueAsString(tokenizerJson(vocab, merges)));
            files.put("tokenizer_config.json", JSON.writeValueAsString(tokenizerConfig()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new Built(files, new Summary(vocab.size(), merges.size()));
    }

    /**
     * {@code prefloop init-tokenizer}: {@link #write} with the text of {@code corpusFile} (UTF-8, or the
     * built-in corpus when null) into a directory that holds no tokenizer yet, unless {@code force}.
     */
    public static Summary create(Path dir, int vocabSize, Path corpusFile, boolean force) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UsageException("--out " + dir + ": exists and is not a directory");
        }
        if (!force && (Files.exists(dir.resolve("tokenizer.json")) || Files.exists(dir.resolve("tokenizer_config.json")))) {
            throw new UsageException("--out " + dir + ": already holds a tokenizer; pass --force to replace it");
        }
        List<String> corpus;
        if (corpusFile == null) {
            corpus = builtInCorpus();
        } else {
            if (!Files.isRegularFile(corpusFile)) {
                throw new UsageException("--corpus " + corpusFile + ": no such file");
            }
            try {
                byte[] bytes = Files.readAllBytes(corpusFile);
                corpus = List.of(StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString());
            } catch (java.nio.charset.CharacterCodingException e) {
                throw new DataException(corpusFile + ": not valid UTF-8 text");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + corpusFile, e);
            }
        }
        return write(dir, vocabSize, corpus);
    }

    /** The small built-in corpus (English, some other scripts, chat markup) used when none is given. */
    public static List<String> builtInCorpus() {
        try (InputStream in = TinyTokenizerBuilder.class.getResourceAsStream("corpus.txt");
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            return r.lines().collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ObjectNode tokenizerJson(Map<String, Integer> vocab, List<String[]> merges) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String s : SPECIALS) {
            ObjectNode t = added.addObject();
            t.put("id", vocab.get(s));
            t.put("content", s);
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        }
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel(true));
        root.set("post_processor", postProcessor(vocab.get(BOS)));
        root.set("decoder", byteLevel(true));
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode v = model.putObject("vocab");
        vocab.forEach(v::put);
        ArrayNode m = model.putArray("merges");
        merges.forEach(pair -> m.add(pair[0] + " " + pair[1]));
        return root;
    }

    /**
     * ByteLevel then a template that puts bos first, as Llama 3's tokenizer.json does, so that
     * tokenizers which ignore tokenizer_config.json's add_bos_token (transformers' generic fast
     * tokenizer) add bos too.
     */
    private static ObjectNode postProcessor(int bosId) {
        ObjectNode seq = JSON.createObjectNode();
        seq.put("type", "Sequence");
        ArrayNode steps = seq.putArray("processors");
        steps.add(byteLevel(false));
        ObjectNode template = steps.addObject();
        template.put("type", "TemplateProcessing");
        ArrayNode single = template.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", BOS).put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = template.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", BOS).put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", BOS).put("type_id", 1);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode bos = template.putObject("special_tokens").putObject(BOS);
        bos.put("id", BOS);
        bos.putArray("ids").add(bosId);
        bos.putArray("tokens").add(BOS);
        return seq;
    }

    private static ObjectNode byteLevel(boolean trimOffsets) {
        ObjectNode n = JSON.createObjectNode();
        n.put("type", "ByteLevel");
        n.put("add_prefix_space", false);
        n.put("trim_offsets", trimOffsets);
        n.put("use_regex", true);
        return n;
    }

    private static ObjectNode tokenizerConfig() {
        ObjectNode c = JSON.createObjectNode();
        c.put("tokenizer_class", "PreTrainedTokenizerFast");
        c.put("add_bos_token", true);
        c.put("add_eos_token", false);
        c.put("bos_token", BOS);
        c.put("eos_token", IM_END);
        c.put("pad_token", PAD);
        c.putNull("unk_token");
        c.put("model_max_length", 2048);
        c.put("clean_up_tokenization_spaces", false);
        ObjectNode decoder = c.putObject("added_tokens_decoder");
        for (int i = 0; i < SPECIALS.size(); i++) {
            ObjectNode t = decoder.putObject(String.valueOf(i));
            t.put("content", SPECIALS.get(i));
            t.put("lstrip", false);
            t.put("normalized", false);
            t.put("rstrip", false);
            t.put("single_word", false);
            t.put("special", true);
        }
        c.put("chat_template", CHAT_TEMPLATE);
        return c;
    }
}

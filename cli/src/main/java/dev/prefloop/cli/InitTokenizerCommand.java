package dev.prefloop.cli;

import dev.prefloop.engine.djl.text.tiny.TinyTokenizerBuilder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** InitTokenizerCommand is {@code prefloop init-tokenizer}: a small byte-level BPE tokenizer for tiny models. */
@Command(name = "init-tokenizer", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Create a small byte-level BPE tokenizer (tokenizer.json + tokenizer_config.json) for tiny models.",
        description = "Learns byte-pair merges from a corpus, deterministically (the same corpus and size give the same files), and writes a Hugging Face tokenizer into DIR: four special tokens (<|endoftext|> pad, <|bos|> bos, <|im_start|>, <|im_end|> eos), the 256 byte symbols, then the merges; a ByteLevel pre-tokenizer and decoder, so any text round-trips exactly; tokenizer_config.json with add_bos_token and a ChatML chat template. Fewer tokens than --vocab-size are written when the corpus has no pair left that occurs twice.%n")
public final class InitTokenizerCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(InitTokenizerCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR",
            description = "Directory to write tokenizer.json and tokenizer_config.json into (created if absent).")
    Path out;

    @Option(names = "--vocab-size", paramLabel = "N", defaultValue = "512",
            description = "Vocabulary size including the special tokens and the 256 bytes; at least 260"
                    + " (default: ${DEFAULT-VALUE}).")
    int vocabSize;

    @Option(names = "--corpus", paramLabel = "FILE",
            description = "UTF-8 text to learn merges from (default: a small built-in corpus of English, other"
                    + " scripts and chat markup).")
    Path corpus;

    @Option(names = "--force", description = "Replace a tokenizer already in DIR.")
    boolean force;

    @Mixin
    JsonMixin json;

    @Override
    public Integer call() {
        TinyTokenizerBuilder.Summary s = TinyTokenizerBuilder.create(out, vocabSize, corpus, force);
        LOG.info("wrote a byte-level BPE tokenizer of {} tokens ({} merges) to {}", s.vocabSize(), s.merges(), out);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("verb", "init-tokenizer");
        summary.put("status", "done");
        summary.put("out", out.toString());
        summary.put("vocab_size", s.vocabSize());
        summary.put("merges", s.merges());
        json.print(spec.commandLine().getOut(), summary);
        return ExitCodes.OK;
    }
}

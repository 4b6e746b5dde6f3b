package dev.prefloop.cli;

import dev.prefloop.core.data.ShardFormat;
import dev.prefloop.engine.djl.text.tokenize.TokenizeResult;
import dev.prefloop.engine.djl.text.tokenize.TokenizeService;
import dev.prefloop.engine.djl.text.tokenize.TokenizeSettings;
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

/** TokenizeCommand is {@code prefloop tokenize}: rendered texts and token ids of every record. */
@Command(name = "tokenize", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Add each record's rendered prompt/completion texts and token ids, split exactly as TRL splits them.",
        description = "Reads DATA and writes every record with, added: prompt_text and prompt_ids, and for each completion field (completion, chosen, rejected) F_text and F_ids; completions_text and completions_ids for candidates records; text and input_ids (and, with --assistant-only-loss, assistant_masks) for messages records. Other fields are carried through. The check to run when a template looks wrong, and the way to pre-tokenize a dataset once.%n%n"
                + "Text records: the prompt is tokenized with the tokenizer's special tokens (bos where it adds one), eos is appended to each completion that lacks it, and the completion's ids are what follows the prompt's in the ids of prompt + completion. Message records: the prompt is the chat template applied to the prompt messages with the generation prompt; the completion is the rest of the rendering of prompt + completion. Preference records without a prompt get the shared prefix of chosen and rejected. A record whose prompt's text or tokens are not a prefix of the full sequence's stops the run with an error naming it. *_ids fields a record already has are kept as they are. Rendered texts are never truncated; ids are.%n")
public final class TokenizeCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(TokenizeCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR",
            description = "Model or tokenizer directory: tokenizer.json, tokenizer_config.json (special tokens, chat"
                    + " template), chat_template.jinja.")
    Path model;

    @Option(names = {"-i", "--in"}, required = true, paramLabel = "DATA",
            description = "Input dataset: file, directory, glob, or - (stdin).")
    String input;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR",
            description = "Output directory of shards plus _manifest.json, written atomically.")
    Path out;

    @Option(names = "--assistant-only-loss",
            description = "Also write assistant_masks on messages records (TRL's assistant_only_loss): 1 on the tokens"
                    + " of assistant turns, from the template's {%% generation %%} blocks when it has them, else from"
                    + " prefix renderings. A template that rewrites earlier turns cannot be masked: the run stops.")
    boolean assistantOnlyLoss;

    @Mixin
    TokenizationMixin tokenization;

    @Mixin
    ShardOutputMixin output;

    @Mixin
    ShardMixin shard;

    @Mixin
    JsonMixin json;

    @Override
    public Integer call() {
        ShardFormat fmt = output.format();
        TokenizeSettings settings = new TokenizeSettings(input, out, model, fmt, shard.slice(),
                tokenization.options(), output.force, assistantOnlyLoss);
        TokenizeResult r = new TokenizeService(ConsoleProgressFactory.stderr()).run(settings);
        if (!r.upToDate()) {
            LOG.info("wrote {} records to {} ({} shard(s)) in {}s: {}", r.records(), out, r.shards().size(),
                    String.format("%.2f", r.seconds()), r.counts());
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("verb", "tokenize");
        summary.put("status", r.upToDate() ? "up-to-date" : "done");
        summary.put("out", out.toString());
        summary.put("records", r.records());
        summary.put("shards", r.shards());
        summary.put("counts", r.counts());
        summary.put("seconds", r.seconds());
        json.print(spec.commandLine().getOut(), summary);
        return ExitCodes.OK;
    }
}

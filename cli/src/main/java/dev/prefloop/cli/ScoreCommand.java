package dev.prefloop.cli;

import dev.prefloop.core.data.ShardFormat;
import dev.prefloop.engine.djl.score.ScoreResult;
import dev.prefloop.engine.djl.score.ScoreService;
import dev.prefloop.engine.djl.score.ScoreSettings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** ScoreCommand is {@code prefloop score}: add log-probabilities (or reward scores) under a model to every record. */
@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Add log-probabilities (or reward-model scores) under a model to every record.",
        description = {
            "Reads the token ids of every record of IN and writes the records, all other fields unchanged and in input order, as shards of DIR with the sums of the completion tokens' log-probabilities under MODEL (natural log; prompt tokens are context, not scored):",
            "  prompt_ids + completion_ids          -> completion_logps",
            "  prompt_ids + chosen_ids, rejected_ids -> chosen_logps, rejected_logps (--as-ref: ref_chosen_logps, ref_rejected_logps, the columns TRL reads as precomputed reference values)",
            "  prompt_ids + completions_ids          -> logps, a list aligned with completions_ids (--as-ref: ref_logps)",
            "--per-token adds each term too: completion_token_logps, chosen_token_logps, rejected_token_logps, token_logps (ref_-prefixed with --as-ref). A reward model (*ForSequenceClassification) adds score, score_chosen/score_rejected or scores instead. Without prompt_ids the first completion token is the context and is not scored.",
            "Text records (prompt, completion, chosen/rejected or completions, strings or message lists, without their *_ids) are tokenized with MODEL's tokenizer.json and chat template exactly as prefloop tokenize splits them (same options: --max-prompt-tokens, --max-completion-tokens, --chat-template-kwargs, --now), so their values equal those of the tokenized records; *_ids a record carries are used as they are. Text records and a MODEL without tokenizer.json: exit 4. messages records (no prompt/completion split) are refused.",
            "Records are scored in length-sorted batches within windows of records; progress shows tokens/s. Rerunning with the same inputs, model (config.json + weight files' size and first/last MiB) and options does nothing and says so.%n"})
public final class ScoreCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL",
            description = "Hugging Face model directory (llama, qwen2, mistral; *ForCausalLM or"
                    + " *ForSequenceClassification; safetensors or pytorch_model.bin).")
    Path model;

    @Option(names = "--adapter", paramLabel = "ADAPTER",
            description = "A PEFT LoRA adapter directory (adapter_config.json + adapter_model.safetensors or .bin) to"
                    + " score under MODEL + adapter, unmerged; for a reward model too (its modules_to_save score head"
                    + " included). The adapter's files join MODEL's in the manifest.")
    Path adapter;

    @Option(names = {"-i", "--in"}, required = true, paramLabel = "DATA",
            description = "Input dataset: file, directory, glob, or - (stdin).")
    String input;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR",
            description = "Output directory of shards plus _manifest.json, written atomically.")
    Path out;

    @Option(names = "--per-token", description = "Also write every completion token's log-probability (lists).")
    boolean perToken;

    @Option(names = "--as-ref", description = "Name the columns as reference values: ref_chosen_logps,"
            + " ref_rejected_logps, ref_completion_logps, ref_logps.")
    boolean asRef;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "" + ScoreSettings.DEFAULT_BATCH_SIZE,
            description = "At most N sequences per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--max-tokens-per-batch", paramLabel = "N",
            defaultValue = "" + ScoreSettings.DEFAULT_MAX_TOKENS_PER_BATCH,
            description = "At most N padded tokens (sequences x longest) per forward pass; the logits take about"
                    + " 8 x N x vocab_size bytes (default: ${DEFAULT-VALUE}). A longer sequence runs alone.")
    int maxTokensPerBatch;

    @Mixin
    TokenizationMixin tokenization;

    @Mixin
    DeviceMixin compute;

    @Mixin
    ShardOutputMixin output;

    @Mixin
    ShardMixin shard;

    @Mixin
    JsonMixin json;

    @Override
    public Integer call() {
        ShardFormat fmt = output.format();
        ScoreSettings settings = new ScoreSettings(model, adapter, input, out, fmt, perToken, asRef, batchSize,
                maxTokensPerBatch, compute.device(), compute.dtype(), shard.slice(), output.force,
                tokenization.options());
        ScoreResult r = new ScoreService(ConsoleProgressFactory.stderr()).run(settings);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("verb", "score");
        summary.put("status", r.upToDate() ? "up-to-date" : "done");
        summary.put("out", out.toString());
        summary.put("records", r.records());
        summary.put("sequences", r.sequences());
        summary.put("tokens", r.tokens());
        summary.put("tokens_per_s", Math.round(r.tokensPerSecond()));
        summary.put("shards", r.shards());
        if (!r.tokenized().isEmpty()) {
            summary.put("tokenized", r.tokenized());
        }
        summary.put("seconds", r.seconds());
        summary.put("forward_seconds", r.forwardSeconds());
        json.print(spec.commandLine().getOut(), summary);
        return ExitCodes.OK;
    }
}

package dev.prefloop.cli;

import dev.prefloop.core.data.ShardFormat;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.engine.djl.generate.SamplingSettings;
import dev.prefloop.engine.djl.sample.SampleResult;
import dev.prefloop.engine.djl.sample.SampleScheme;
import dev.prefloop.engine.djl.sample.SampleService;
import dev.prefloop.engine.djl.sample.SampleSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** SampleCommand is {@code prefloop sample}: sample candidate responses to prompts under a scheme. */
@Command(name = "sample", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Sample candidate responses to prompts (vanilla, PILAF, best-of-n or hybrid).",
        description = {
            "Reads prompt records (prompt as a string or a list of messages, or prompt_ids; id recommended) and writes candidates records as shards of DIR, every input field carried through, plus: prompt_ids (the ids sampled from, after truncation), completions (decoded text, absent when MODEL has no tokenizer.json), completions_ids (the sampled ids, what score and train should read), generators (pi, pi+, pi- or ref per response), scheme, iteration, num_tokens, finish_reasons (eos, stop, length), logps (sum of log-probabilities under MODEL's raw logits) and ref_logps (under REF, when --ref is given).",
            "Schemes: vanilla: --n responses from MODEL. pilaf: per prompt a fair coin, drawn from (--seed, --iteration, prompt id), picks two MODEL responses or the pi+ / pi- pair sampled from softmax((1+beta) h_model - beta h_ref) and softmax((1-beta) h_model + beta h_ref), both models stepped in lockstep with their own KV caches (PILAF, Alg. 1; with --no-ref-logps about 1 + 1/2 times vanilla's cost, with ref_logps about vanilla's with ref_logps: docs/benchmarks.md). best-of-n: --n MODEL responses, the best and worst by the DPO implicit reward beta * (logps - ref_logps) kept (implicit_rewards added). hybrid: one response from MODEL, one from REF. pilaf, best-of-n and hybrid need --ref; REF must share MODEL's vocabulary.",
            "LoRA: --adapter puts a PEFT LoRA adapter on the policy, --ref-adapter one on the reference. Without --ref (or with --ref naming MODEL) the reference is MODEL with --ref-adapter, or MODEL itself when a scheme needs a reference and only --adapter is given (the LoRA convention: the reference is the base with the adapter disabled); policy and reference then share one copy of MODEL's weights. The adapters' files are recorded in the manifest.",
            "String prompts are wrapped as one user turn and rendered with MODEL's chat template and its generation prompt (--no-chat-template tokenizes them as plain text); message lists are rendered with the template. Without tokenizer.json, prompts must be prompt_ids. Records without id are named by a hash of their prompt ids.",
            "Randomness comes from (--seed, --iteration, prompt id, sample index) only: the output does not depend on --batch-size, threads or the --shard split, and another --iteration draws afresh. Progress shows prompts and ETA. An interrupted run keeps its finished prompts in a hidden journal in DIR; --resume continues it without sampling a prompt twice. Nothing is written on failure; rerunning the same run does nothing.%n"})
public final class SampleCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL",
            description = "The policy: a Hugging Face *ForCausalLM directory (llama, qwen2, mistral).")
    Path model;

    @Option(names = "--adapter", paramLabel = "ADAPTER",
            description = "A PEFT LoRA adapter on MODEL: the policy is MODEL + adapter, unmerged. Without --ref, the"
                    + " reference pilaf, best-of-n and hybrid need is MODEL itself (the adapter disabled), sharing"
                    + " MODEL's loaded weights.")
    Path adapter;

    @Option(names = "--ref", paramLabel = "REF",
            description = "The reference model directory (same vocabulary); needed by pilaf, best-of-n and hybrid"
                    + " unless --adapter or --ref-adapter makes MODEL the reference. With a reference, every response"
                    + " also gets ref_logps. REF naming MODEL's directory loads it once.")
    Path ref;

    @Option(names = "--ref-adapter", paramLabel = "ADAPTER",
            description = "A PEFT LoRA adapter on the reference (REF, or MODEL without --ref, then sharing the policy's"
                    + " loaded weights), e.g. the previous iteration's adapter.")
    Path refAdapter;

    @Option(names = {"-p", "--prompts"}, required = true, paramLabel = "PROMPTS",
            description = "Prompt dataset: file, directory, glob, or - (stdin).")
    String prompts;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR",
            description = "Output directory of shards plus _manifest.json, written atomically.")
    Path out;

    @Option(names = "--scheme", paramLabel = "SCHEME", defaultValue = "vanilla",
            description = "vanilla, pilaf, best-of-n or hybrid (default: ${DEFAULT-VALUE}).")
    String scheme;

    @Option(names = "--n", paramLabel = "N",
            description = "Responses sampled per prompt: vanilla (default 2) and best-of-n (default 8) only.")
    Integer n;

    @Option(names = "--beta", paramLabel = "BETA", defaultValue = "0.1",
            description = "PILAF's mixing weight and best-of-n's reward scale; use the loss's beta (default: ${DEFAULT-VALUE}).")
    double beta;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "1.0",
            description = "0 = greedy; applied after PILAF's mixing (default: ${DEFAULT-VALUE}; the paper used 0.7"
                    + " for iterative and 1.0 for online DPO).")
    double temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0", description = "Keep the K most likely tokens; 0 = off (default).")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1.0",
            description = "Nucleus mass in (0, 1]; 1 = off (default: ${DEFAULT-VALUE}; the paper used 0.95).")
    double topP;

    @Option(names = "--min-p", paramLabel = "P", defaultValue = "0", description = "Min-p in [0, 1]; 0 = off (default).")
    double minP;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "256",
            description = "At most N tokens per response (default: ${DEFAULT-VALUE}; the paper used 896).")
    int maxNewTokens;

    @Option(names = "--stop", paramLabel = "TEXT",
            description = "Stop a response once its text contains TEXT (repeatable; needs MODEL's tokenizer).")
    List<String> stop = new ArrayList<>();

    @Option(names = "--max-prompt-tokens", paramLabel = "N", defaultValue = "0",
            description = "Keep the last N prompt tokens; 0 = no limit (default; the paper used 512).")
    int maxPromptTokens;

    @Option(names = "--no-chat-template", negatable = false,
            description = "Tokenize string prompts as plain text instead of a user turn in the chat template.")
    boolean noChatTemplate;

    @Option(names = "--no-ref-logps", negatable = false,
            description = "Do not compute ref_logps: vanilla and PILAF's vanilla half then run MODEL alone (not for best-of-n).")
    boolean noRefLogps;

    @Option(names = "--seed", paramLabel = "SEED", defaultValue = "0", description = "Run seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--iteration", paramLabel = "I", defaultValue = "0",
            description = "Iteration or online step: each draws its own responses and PILAF coins (default: ${DEFAULT-VALUE}).")
    long iteration;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "8",
            description = "Prompts decoded together: each generator decodes its responses to the group as one batch, so"
                    + " up to N x n sequences (default: ${DEFAULT-VALUE}). Does not change the output.")
    int batchSize;

    @Option(names = "--resume", description = "Continue an interrupted run into DIR from its journal.")
    boolean resume;

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
        SampleScheme s = SampleScheme.parse(scheme);
        SamplingSettings decoding;
        try {
            decoding = new SamplingSettings(temperature, topK, topP, minP, 1, maxNewTokens, stop, seed);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        SampleSettings settings = new SampleSettings(model, adapter, ref, refAdapter, prompts, out, fmt, s, n == null ? s.defaultN() : n,
                beta, decoding, iteration, batchSize, !noChatTemplate, maxPromptTokens, !noRefLogps,
                compute.device(), compute.dtype(), shard.slice(), output.force, resume);
        SampleResult r = new SampleService(ConsoleProgressFactory.stderr()).run(settings);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("verb", "sample");
        summary.put("status", r.upToDate() ? "up-to-date" : "done");
        summary.put("out", out.toString());
        summary.put("scheme", s.label());
        summary.put("prompts", r.prompts());
        summary.put("prompts_resumed", r.resumed());
        summary.put("responses", r.responses());
        summary.put("pilaf_interpolated", r.interpolated());
        summary.put("tokens", r.tokens());
        summary.put("tokens_per_s", Math.round(r.tokensPerSecond()));
        summary.put("shards", r.shards());
        summary.put("seconds", r.seconds());
        json.print(spec.commandLine().getOut(), summary);
        return ExitCodes.OK;
    }
}

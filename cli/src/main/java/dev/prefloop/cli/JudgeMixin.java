package dev.prefloop.cli;

import dev.prefloop.core.judge.JudgeOptions;
import dev.prefloop.core.judge.JudgeSpec;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/** JudgeMixin holds {@code --judge} and the {@code --judge-*} options shared by label, measure-stage and eval. */
public final class JudgeMixin {

    @Option(names = "--judge", required = true, paramLabel = "KIND:TARGET",
            description = "The judge: exec:'COMMAND ...' (JSON Lines on stdin/stdout), http:URL (OpenAI-compatible"
                    + " chat-completions LLM judge; needs --judge-model), rm-http:URL (OpenRLHF serve_rm reward server), rm:DIR"
                    + " (a *ForSequenceClassification reward model; scores candidates' prompt_ids + completions_ids)."
                    + " See docs/judges.md.")
    String judge;

    @Option(names = "--judge-model", paramLabel = "NAME", description = "Model name sent to an http judge.")
    String model;

    @Option(names = "--judge-api-key-env", paramLabel = "VAR", defaultValue = "OPENAI_API_KEY",
            description = "Environment variable holding the http judge's API key, sent as a Bearer token and never"
                    + " logged or written (default: ${DEFAULT-VALUE}; unset: no Authorization header).")
    String apiKeyEnv;

    @Option(names = "--judge-prompt", paramLabel = "FILE",
            description = "Pairwise prompt template for an http judge, with {prompt}, {response_a} and {response_b}"
                    + " (default: the built-in one in docs/judges.md).")
    Path promptTemplate;

    @Option(names = "--judge-pointwise",
            description = "An exec judge scores single responses: {id, prompt, response} in, {id, score} out"
                    + " (pairs by Bradley-Terry). Default: pairs in, {id, p_a} out.")
    boolean pointwise;

    @Option(names = "--judge-exec-per-batch",
            description = "Start the exec judge once per batch and close its stdin after the batch (for scripts"
                    + " that read to the end); default: one process for the whole run.")
    boolean perBatch;

    @Option(names = "--judge-logprobs",
            description = "Ask an http judge for the log-probabilities of its answer token and use p(A) / (p(A) + p(B))"
                    + " instead of a hard 1 or 0 (the server must support logprobs/top_logprobs).")
    boolean logprobs;

    @Option(names = "--judge-timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "Time one exec batch or one http request may take (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--judge-concurrency", paramLabel = "N", defaultValue = "4",
            description = "http judge requests in flight at once (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--judge-retries", paramLabel = "N", defaultValue = "5",
            description = "Retries of an http request answered 429 or 5xx or not answered, with exponential backoff"
                    + " from 1 s (Retry-After honoured). Default: ${DEFAULT-VALUE}.")
    int retries;

    @Option(names = "--judge-cache", paramLabel = "DIR|none",
            description = "Cache of http judge answers by request hash, so reruns cost nothing (default:"
                    + " $XDG_CACHE_HOME/prefloop/judge-cache, else ~/.cache/prefloop/judge-cache; none: no cache).")
    String cache;

    @Option(names = "--judge-device", paramLabel = "DEVICE", defaultValue = "auto",
            description = "Device of an rm judge: auto, cpu, cuda or cuda:N (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--judge-dtype", paramLabel = "DTYPE", defaultValue = "auto",
            description = "Compute dtype of an rm judge: auto, float32 or float16 (default: ${DEFAULT-VALUE}).")
    String dtype;

    /** The parsed spec. */
    JudgeSpec spec() {
        return JudgeSpec.parse(judge);
    }

    /** The judge options, reading API keys from {@code env}. */
    JudgeOptions options(Map<String, String> env) {
        return new JudgeOptions(model, apiKeyEnv, promptTemplate, pointwise, perBatch, Duration.ofSeconds(timeoutSeconds),
                concurrency, retries, Duration.ofSeconds(1), cacheDir(env), device, dtype, logprobs, env);
    }

    private Path cacheDir(Map<String, String> env) {
        if ("none".equals(cache)) {
            return null;
        }
        if (cache != null) {
            return Paths.get(cache);
        }
        String xdg = env.get("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Paths.get(xdg) : Paths.get(System.getProperty("user.home"), ".cache");
        return base.resolve("prefloop").resolve("judge-cache");
    }
}

package dev.prefloop.core.judge;

import dev.prefloop.core.error.UsageException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * JudgeOptions are the {@code --judge-*} settings; each judge kind reads the ones it needs.
 *
 * @param model        the model name sent to an http judge ({@code --judge-model})
 * @param apiKeyEnv    the environment variable holding the http judge's API key (never logged or written)
 * @param promptTemplate a file replacing the http judge's built-in pairwise prompt, or null
 * @param pointwise    an exec judge scores single responses ({id, prompt, response} → {id, score})
 * @param perBatch     an exec judge is started once per batch (stdin closed after it) instead of once per run
 * @param timeout      how long one batch (exec) or one request (http) may take
 * @param concurrency  http requests in flight at once
 * @param maxRetries   retries of an http request answered 429 or 5xx, or not answered
 * @param backoff      the first retry's wait; it doubles each retry (a Retry-After header wins)
 * @param cacheDir     the http judge's verdict cache directory, or null for none
 * @param device       the device of a model judge (rm:)
 * @param dtype        the compute dtype of a model judge (rm:)
 * @param logprobs     an http judge asks for the answer token's log-probabilities and gives p(A) / (p(A) + p(B))
 * @param env          the process environment (API keys are read from it)
 */
public record JudgeOptions(String model, String apiKeyEnv, Path promptTemplate, boolean pointwise, boolean perBatch,
        Duration timeout, int concurrency, int maxRetries, Duration backoff, Path cacheDir, String device, String dtype,
        boolean logprobs, Map<String, String> env) {

    public JudgeOptions {
        if (concurrency < 1) {
            throw new UsageException("--judge-concurrency " + concurrency + ": expected 1 or more");
        }
        if (maxRetries < 0) {
            throw new UsageException("--judge-retries " + maxRetries + ": expected 0 or more");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new UsageException("--judge-timeout " + timeout.toSeconds() + ": expected more than 0 seconds");
        }
        env = Map.copyOf(env);
    }

    /** Defaults: no model, OPENAI_API_KEY, built-in template, 300 s, 4 in flight, 5 retries from 1 s, no cache, CPU. */
    public static JudgeOptions defaults(Map<String, String> env) {
        return new JudgeOptions(null, "OPENAI_API_KEY", null, false, false, Duration.ofSeconds(300), 4, 5,
                Duration.ofSeconds(1), null, "auto", "auto", false, env);
    }

    /** A copy with another cache directory. */
    public JudgeOptions withCacheDir(Path dir) {
        return new JudgeOptions(model, apiKeyEnv, promptTemplate, pointwise, perBatch, timeout, concurrency, maxRetries,
                backoff, dir, device, dtype, logprobs, env);
    }
}

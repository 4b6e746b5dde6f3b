package dev.prefloop.core.judge.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.judge.JudgeException;
import dev.prefloop.core.judge.PairRequest;
import dev.prefloop.core.judge.PairwiseJudge;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * ChatCompletionsJudge is {@code http:URL}: an LLM behind an OpenAI-compatible chat-completions
 * endpoint judges each pair with {@link PairwisePromptTemplate} at temperature 0, and its letter
 * ({@link VerdictParser}) is p(a ≻ b) = 1 (A) or 0 (B), or with logprobs p(A) / (p(A) + p(B)) of
 * the answer token ({@link AnswerLogprobs}). At most {@code concurrency} requests are in
 * flight; answers are cached on disk by request hash, so a rerun asks nothing twice.
 */
public final class ChatCompletionsJudge implements PairwiseJudge {

    /** Room for "A", "[[B]]" or "Response A." and no essay. */
    static final int MAX_TOKENS = 16;
    /** Alternatives per token when --judge-logprobs asks for them (OpenAI allows up to 20). */
    static final int TOP_LOGPROBS = 10;

    private final URI endpoint;
    private final String model;
    private final PairwisePromptTemplate template;
    private final JsonPoster poster;
    private final VerdictCache cache;
    private final boolean logprobs;
    private final ExecutorService pool;

    public ChatCompletionsJudge(URI endpoint, String model, PairwisePromptTemplate template, JsonPoster poster,
            VerdictCache cache, int concurrency, boolean logprobs) {
        this.endpoint = endpoint;
        this.logprobs = logprobs;
        this.model = model;
        this.template = template;
        this.poster = poster;
        this.cache = cache;
        this.pool = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "http-judge");
            t.setDaemon(true);
            return t;
        });
    }

    /** The chat-completions URL: {@code URL} itself when it ends with /chat/completions, else URL + /chat/completions. */
    public static URI endpoint(String url) {
        String u = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        return URI.create(u.endsWith("/chat/completions") ? u : u + "/chat/completions");
    }

    @Override
    public double[] compare(List<PairRequest> batch) {
        List<Future<Double>> answers = new ArrayList<>(batch.size());
        for (PairRequest r : batch) {
            answers.add(pool.submit(() -> judge(r)));
        }
        double[] p = new double[batch.size()];
        try {
            for (int i = 0; i < p.length; i++) {
                p[i] = answers.get(i).get();
            }
        } catch (ExecutionException e) {
            answers.forEach(f -> f.cancel(true));
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new JudgeException(endpoint + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            answers.forEach(f -> f.cancel(true));
            throw new JudgeException(endpoint + ": interrupted", e);
        }
        return p;
    }

    private double judge(PairRequest r) {
        ObjectNode body = JsonCodec.mapper().createObjectNode();
        body.put("model", model);
        ObjectNode user = body.putArray("messages").addObject();
        user.put("role", "user");
        user.put("content", template.render(r.prompt(), r.a().text(), r.b().text()));
        body.put("temperature", 0);
        body.put("max_tokens", MAX_TOKENS);
        if (logprobs) {
            body.put("logprobs", true);
            body.put("top_logprobs", TOP_LOGPROBS);
        }
        String key = VerdictCache.key(endpoint.toString(), body.toString());
        Optional<String> cached = cache == null ? Optional.empty() : cache.get(key);
        if (cached.isPresent()) {
            try {
                return JsonCodec.mapper().readTree(cached.get()).get("p_a").asDouble();
            } catch (IOException | RuntimeException e) {
                // a damaged cache entry: ask again
            }
        }
        JsonNode reply = poster.post(body, "request '" + r.id() + "'");
        String answer = content(reply, r);
        Character verdict = VerdictParser.parse(answer).orElseThrow(() -> new JudgeException(endpoint + ": the answer to"
                + " request '" + r.id() + "' names neither A nor B (or both): \"" + JsonPoster.clip(answer) + "\""));
        OptionalDouble soft = logprobs ? AnswerLogprobs.pA(reply) : OptionalDouble.empty();
        double pA = soft.orElse(verdict == 'A' ? 1.0 : 0.0);
        if (cache != null) {
            // Only usable answers are kept: a garbage one is asked again next time.
            ObjectNode entry = JsonCodec.mapper().createObjectNode();
            entry.put("answer", answer);
            entry.put("p_a", pA);
            cache.put(key, entry.toString());
        }
        return pA;
    }

    private String content(JsonNode reply, PairRequest r) {
        JsonNode c = reply.path("choices").path(0).path("message").path("content");
        if (!c.isTextual()) {
            throw new JudgeException(endpoint + ": the reply to request '" + r.id() + "' has no"
                    + " choices[0].message.content: " + JsonPoster.clip(reply.toString()));
        }
        return c.asText();
    }

    @Override
    public String describe() {
        return "http:" + endpoint + " model " + model;
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }

    /** Headers with the API key when the environment has one. */
    static Map<String, String> authorization(String apiKey) {
        return apiKey == null || apiKey.isBlank() ? Map.of() : Map.of("Authorization", "Bearer " + apiKey);
    }
}

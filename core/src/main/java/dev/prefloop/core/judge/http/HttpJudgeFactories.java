package dev.prefloop.core.judge.http;

import dev.prefloop.core.error.UsageException;
import dev.prefloop.core.judge.Judge;
import dev.prefloop.core.judge.JudgeFactory;
import dev.prefloop.core.judge.JudgeOptions;
import dev.prefloop.core.judge.JudgeSpec;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** HttpJudgeFactories holds the factories of the two HTTP judge kinds, {@code http:} and {@code rm-http:}. */
public final class HttpJudgeFactories {

    private static final Logger LOG = LoggerFactory.getLogger(HttpJudgeFactories.class);

    private HttpJudgeFactories() {}

    static URI checkedUrl(JudgeSpec spec) {
        try {
            URI u = URI.create(spec.target());
            if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null) {
                throw new IllegalArgumentException("not http(s)");
            }
            return u;
        } catch (IllegalArgumentException e) {
            throw new UsageException("--judge " + spec + ": expected an http:// or https:// URL after '" + spec.kind() + ":'");
        }
    }

    /** {@code http:URL}: an OpenAI-compatible chat-completions LLM judge. */
    public static final class ChatCompletions implements JudgeFactory {

        @Override
        public String kind() {
            return "http";
        }

        @Override
        public String usage() {
            return "URL with --judge-model NAME (OpenAI-compatible chat completions; key from --judge-api-key-env)";
        }

        @Override
        public Judge open(JudgeSpec spec, JudgeOptions o) {
            checkedUrl(spec);
            if (o.model() == null || o.model().isBlank()) {
                throw new UsageException("--judge " + spec + ": an http judge needs --judge-model NAME");
            }
            if (o.pointwise()) {
                throw new UsageException("--judge-pointwise: http judges compare pairs; drop the option");
            }
            String key = o.env().get(o.apiKeyEnv());
            if (key == null || key.isBlank()) {
                LOG.info("no API key in ${}; sending judge requests without Authorization", o.apiKeyEnv());
            }
            URI endpoint = ChatCompletionsJudge.endpoint(spec.target());
            PairwisePromptTemplate t = o.promptTemplate() == null ? PairwisePromptTemplate.builtIn()
                    : PairwisePromptTemplate.read(o.promptTemplate());
            JsonPoster poster = new JsonPoster(endpoint, o.timeout(), o.maxRetries(), o.backoff(),
                    ChatCompletionsJudge.authorization(key));
            return new ChatCompletionsJudge(endpoint, o.model(), t, poster,
                    o.cacheDir() == null ? null : new VerdictCache(o.cacheDir()), o.concurrency(), o.logprobs());
        }

        @Override
        public Map<String, Object> identity(JudgeSpec spec, JudgeOptions o) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("judge", spec.toString());
            m.put("judge_model", o.model());
            PairwisePromptTemplate t = o.promptTemplate() == null ? PairwisePromptTemplate.builtIn()
                    : PairwisePromptTemplate.read(o.promptTemplate());
            m.put("judge_prompt_sha256", VerdictCache.key(t.text()));
            m.put("judge_logprobs", o.logprobs());
            return m;
        }
    }

    /** {@code rm-http:URL}: OpenRLHF's reward server. */
    public static final class RewardServer implements JudgeFactory {

        @Override
        public String kind() {
            return "rm-http";
        }

        @Override
        public String usage() {
            return "URL (OpenRLHF serve_rm: POST /get_reward {\"query\": [...]} -> {\"rewards\": [...]})";
        }

        @Override
        public Judge open(JudgeSpec spec, JudgeOptions o) {
            checkedUrl(spec);
            URI endpoint = RewardServerJudge.endpoint(spec.target());
            return new RewardServerJudge(endpoint, new JsonPoster(endpoint, o.timeout(), o.maxRetries(), o.backoff(), Map.of()));
        }

        @Override
        public Map<String, Object> identity(JudgeSpec spec, JudgeOptions o) {
            return Map.of("judge", spec.toString());
        }
    }
}

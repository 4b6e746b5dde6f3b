package dev.prefloop.core.judge.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.judge.JudgeException;
import dev.prefloop.core.judge.PointwiseJudge;
import dev.prefloop.core.judge.ScoreRequest;
import java.net.URI;
import java.util.List;

/**
 * RewardServerJudge is {@code rm-http:URL}, a client of OpenRLHF's reward server
 * ({@code python -m openrlhf.cli.serve_rm}): one POST /get_reward per batch with
 * {@code {"query": [prompt + response, ...]}}, answered {@code {"rewards": [r, ...]}}. As in OpenRLHF
 * the query is the prompt text followed directly by the response text (the server strips padding
 * and EOS and appends EOS itself), so the prompt must already be rendered with the chat template.
 */
public final class RewardServerJudge implements PointwiseJudge {

    private final URI endpoint;
    private final JsonPoster poster;

    public RewardServerJudge(URI endpoint, JsonPoster poster) {
        this.endpoint = endpoint;
        this.poster = poster;
    }

    /** URL itself when it has a path, else URL + /get_reward. */
    public static URI endpoint(String url) {
        URI u = URI.create(url);
        String path = u.getPath();
        return path == null || path.isEmpty() || path.equals("/") ? URI.create(url.replaceAll("/$", "") + "/get_reward") : u;
    }

    /** The query text of one request: prompt text then response text, nothing between. */
    public static String query(ScoreRequest r) {
        if (r.prompt() == null || !r.prompt().isTextual()) {
            throw new JudgeException("rm-http: request '" + r.id() + "': the reward server takes text, but the prompt"
                    + " is a message list; render it with the model's chat template first");
        }
        return r.prompt().asText() + r.response().text();
    }

    @Override
    public double[] score(List<ScoreRequest> batch) {
        if (batch.isEmpty()) {
            return new double[0];
        }
        ObjectNode body = JsonCodec.mapper().createObjectNode();
        ArrayNode q = body.putArray("query");
        batch.forEach(r -> q.add(query(r)));
        String what = "the batch of requests '" + batch.get(0).id() + "' .. '" + batch.get(batch.size() - 1).id() + "'";
        JsonNode reply = poster.post(body, what);
        JsonNode rewards = reply.get("rewards");
        if (rewards == null || !rewards.isArray() || rewards.size() != batch.size()) {
            throw new JudgeException(endpoint + " answered " + what + " without a \"rewards\" list of " + batch.size()
                    + " numbers: " + JsonPoster.clip(reply.toString()));
        }
        double[] s = new double[batch.size()];
        for (int i = 0; i < s.length; i++) {
            JsonNode v = rewards.get(i);
            // serve_rm returns tensor.tolist(): a float per query, or a one-element list for (B, 1) heads.
            if (v.isArray() && v.size() == 1) {
                v = v.get(0);
            }
            if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
                throw new JudgeException(endpoint + ": reward " + i + " for request '" + batch.get(i).id()
                        + "' is not a finite number: " + v);
            }
            s[i] = v.asDouble();
        }
        return s;
    }

    @Override
    public String describe() {
        return "rm-http:" + endpoint;
    }
}

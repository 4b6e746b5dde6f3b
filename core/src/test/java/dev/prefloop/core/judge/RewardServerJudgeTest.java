package dev.prefloop.core.judge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.prefloop.core.data.JsonCodec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RewardServerJudgeTest {

    /** serve_rm's contract: {"query": [texts]} -> {"rewards": [one float per text]}; here reward = text length. */
    static LocalServer.Reply lengthRewards(String body) throws Exception {
        JsonNode q = JsonCodec.mapper().readTree(body).get("query");
        ObjectNode out = JsonCodec.mapper().createObjectNode();
        ArrayNode r = out.putArray("rewards");
        q.forEach(t -> r.add((double) t.asText().length()));
        return LocalServer.Reply.ok(out.toString());
    }

    private static PointwiseJudge open(String url) {
        JudgeOptions d = JudgeOptions.defaults(Map.of());
        JudgeOptions o = new JudgeOptions(null, "X", null, false, false, Duration.ofSeconds(10), 1, 1, Duration.ofMillis(10),
                null, "auto", "auto", false, Map.of());
        return (PointwiseJudge) JudgeRegistry.load().open(JudgeSpec.parse("rm-http:" + url), o);
    }

    private static List<ScoreRequest> requests() {
        String prompt = "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n";
        return List.of(new ScoreRequest("r1/0", new TextNode(prompt), null, Response.text("hello")),
                new ScoreRequest("r1/1", new TextNode(prompt), null, Response.text("hello there")));
    }

    @Test
    void postsPromptPlusResponseToGetRewardAndReadsRewards() throws Exception {
        try (LocalServer s = new LocalServer("/get_reward", (n, body, ex) -> lengthRewards(body))) {
            try (PointwiseJudge j = open(s.url())) {
                double[] r = j.score(requests());
                String prompt = "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n";
                assertArrayEquals(new double[] {prompt.length() + 5, prompt.length() + 11}, r);
                assertEquals("rm-http:" + s.url() + "/get_reward", j.describe());
            }
            assertEquals(1, s.requests.get(), "one POST per batch");
            JsonNode body = JsonCodec.mapper().readTree(s.bodies.get(0));
            assertEquals(List.of("query"), List.copyOf(iterable(body)));
            assertEquals("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\nhello", body.get("query").get(0).asText());
        }
    }

    @Test
    void acceptsOneElementListsAndAnExplicitPath() throws Exception {
        try (LocalServer s = new LocalServer("/rm/score", (n, body, ex) -> LocalServer.Reply.ok("{\"rewards\": [[0.5], [-1.25]]}"))) {
            try (PointwiseJudge j = open(s.url() + "/rm/score")) {
                assertArrayEquals(new double[] {0.5, -1.25}, j.score(requests()));
            }
        }
    }

    @Test
    void wrongRewardCountsAndMessagePromptsAreErrors() throws Exception {
        try (LocalServer s = new LocalServer("/get_reward", (n, body, ex) -> LocalServer.Reply.ok("{\"rewards\": [1.0]}"))) {
            try (PointwiseJudge j = open(s.url())) {
                JudgeException e = assertThrows(JudgeException.class, () -> j.score(requests()));
                assertTrue(e.getMessage().contains("without a \"rewards\" list of 2 numbers"), e.getMessage());
                assertTrue(e.getMessage().contains("'r1/0' .. 'r1/1'"), e.getMessage());
            }
        }
        try (LocalServer s = new LocalServer("/get_reward", (n, body, ex) -> LocalServer.Reply.ok("{\"rewards\": [1.0, \"x\"]}"))) {
            try (PointwiseJudge j = open(s.url())) {
                JudgeException e = assertThrows(JudgeException.class, () -> j.score(requests()));
                assertTrue(e.getMessage().contains("reward 1 for request 'r1/1' is not a finite number"), e.getMessage());
            }
        }
        JsonNode messages = JsonCodec.mapper().readTree("[{\"role\":\"user\",\"content\":\"hi\"}]");
        try (PointwiseJudge j = open("http://127.0.0.1:9")) {
            JudgeException e = assertThrows(JudgeException.class,
                    () -> j.score(List.of(new ScoreRequest("m/0", messages, null, Response.text("x")))));
            assertTrue(e.getMessage().contains("request 'm/0'") && e.getMessage().contains("chat template"), e.getMessage());
        }
    }

    private static List<String> iterable(JsonNode n) {
        List<String> names = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }
}

package dev.prefloop.core.judge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.core.judge.http.PairwisePromptTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatCompletionsJudgeTest {

    private static final String KEY = "sk-test-0123456789-secret";

    @TempDir
    Path dir;

    static String reply(String content) {
        return "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":" + JsonCodec.mapper().valueToTree(content) + "},\"finish_reason\":\"stop\"}]}";
    }

    /** Answers A when response A's section says "good", else B. */
    static LocalServer.Reply prefersGood(String body) throws Exception {
        JsonNode b = JsonCodec.mapper().readTree(body);
        String user = b.get("messages").get(0).get("content").asText();
        String a = user.substring(user.indexOf("[Response A]"), user.indexOf("[Response B]"));
        return LocalServer.Reply.ok(reply(a.contains("good") ? "A" : "B"));
    }

    private Judge open(LocalServer s, int retries, Duration timeout, int concurrency, Path cache) {
        return open(s, retries, timeout, concurrency, cache, false);
    }

    private Judge open(LocalServer s, int retries, Duration timeout, int concurrency, Path cache, boolean logprobs) {
        JudgeOptions d = JudgeOptions.defaults(Map.of("MY_KEY", KEY));
        JudgeOptions o = new JudgeOptions("judge-model-1", "MY_KEY", null, false, false, timeout, concurrency, retries,
                Duration.ofMillis(10), cache, "auto", "auto", logprobs, d.env());
        return JudgeRegistry.load().open(JudgeSpec.parse("http:" + s.url() + "/v1"), o);
    }

    private static List<PairRequest> pairs(int n) {
        List<PairRequest> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean aGood = i % 2 == 0;
            out.add(new PairRequest("r" + i + "/0-1", new TextNode("question " + i), null,
                    Response.text(aGood ? "good answer " + i : "bad answer " + i),
                    Response.text(aGood ? "bad answer " + i : "good answer " + i)));
        }
        return out;
    }

    @Test
    void judgesWithTheTemplateSendsTheKeyAndCachesVerdicts() throws Exception {
        Path cache = dir.resolve("cache");
        try (LocalServer s = new LocalServer("/v1/chat/completions", (n, body, ex) -> prefersGood(body))) {
            try (PairwiseJudge j = (PairwiseJudge) open(s, 0, Duration.ofSeconds(10), 4, cache)) {
                assertArrayEquals(new double[] {1, 0, 1, 0}, j.compare(pairs(4)));
            }
            assertEquals(4, s.requests.get());
            assertTrue(s.authorizations.stream().allMatch(a -> a.equals("Bearer " + KEY)));
            JsonNode first = JsonCodec.mapper().readTree(s.bodies.get(0));
            assertEquals("judge-model-1", first.get("model").asText());
            assertEquals(0, first.get("temperature").asInt());
            assertTrue(first.get("messages").get(0).get("content").asText().contains("question"));
            // A rerun is answered from the cache: no request reaches the server.
            try (PairwiseJudge j = (PairwiseJudge) open(s, 0, Duration.ofSeconds(10), 4, cache)) {
                assertArrayEquals(new double[] {1, 0, 1, 0}, j.compare(pairs(4)));
            }
            assertEquals(4, s.requests.get());
        }
        try (Stream<Path> files = Files.walk(cache)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertFalse(Files.readString(f).contains(KEY), "the API key is never written: " + f);
            }
        }
    }

    @Test
    void retriesServerErrorsWithBackoffThenSucceeds() throws Exception {
        try (LocalServer s = new LocalServer("/v1/chat/completions", (n, body, ex) ->
                n < 2 ? new LocalServer.Reply(500, "{\"error\":\"overloaded\"}", null) : prefersGood(body))) {
            try (PairwiseJudge j = (PairwiseJudge) open(s, 3, Duration.ofSeconds(10), 1, null)) {
                assertArrayEquals(new double[] {1}, j.compare(pairs(1)));
            }
            assertEquals(3, s.requests.get());
        }
    }

    @Test
    void honoursRetryAfterOn429() throws Exception {
        try (LocalServer s = new LocalServer("/v1/chat/completions", (n, body, ex) ->
                n == 0 ? new LocalServer.Reply(429, "{\"error\":\"rate limit\"}", "1") : prefersGood(body))) {
            long t0 = System.nanoTime();
            try (PairwiseJudge j = (PairwiseJudge) open(s, 3, Duration.ofSeconds(10), 1, null)) {
                assertArrayEquals(new double[] {1}, j.compare(pairs(1)));
            }
            assertTrue((System.nanoTime() - t0) / 1e6 >= 950, "waited the Retry-After second, not the 10 ms backoff");
            assertEquals(2, s.requests.get());
        }
    }

    @Test
    void givesUpAfterTheRetriesWithABoundedNumberOfRequests() throws Exception {
        try (LocalServer s = new LocalServer("/v1/chat/completions", (n, body, ex) ->
                new LocalServer.Reply(503, "{\"error\":\"down\"}", null))) {
            try (PairwiseJudge j = (PairwiseJudge) open(s, 2, Duration.ofSeconds(10), 1, null)) {
                JudgeException e = assertThrows(JudgeException.class, () -> j.compare(pairs(1)));
                assertTrue(e.getMessage().contains("request 'r0/0-1' failed after 3 attempt(s)"), e.getMessage());
                assertTrue(e.getMessage().contains("HTTP 503"), e.getMessage());
            }
            assertEquals(3, s.requests.get());
        }
    }

    @Test
    void clientErrorsAreNotRetried() throws Exception {
        try (LocalServer s = new LocalServer("/v1/chat/completions", (n, body, ex) ->
                new LocalServer.Reply(401, "{\"error\":\"bad key\"}", null))) {
            try (PairwiseJudge j = (PairwiseJudge) open(s, 5, Duration.ofSeconds(10), 1, null)) {
                JudgeException e = assertThrows(JudgeException.class, () -> j.compare(pairs(1)));
                assertTrue(e.getMessage().contains("HTTP 401"), e.getMessage());
                assertFalse(e.getMessage().contains(KEY));
            }
            assertEquals(1, s.requests.get());
        }
    }

    @Test
    void garbageAnswersAreErrorsAndNotCached() throws Exception {
        Path cache = dir.resolve("cache");
        try (LocalServer s = new LocalServer("/v1/chat/completions", (n, body, ex) ->
                LocalServer.Reply.ok(reply("Both responses have merit.")))) {
            for (int run = 0; run < 2; run++) {
                try (PairwiseJudge j = (PairwiseJudge) open(s, 0, Duration.ofSeconds(10), 1, cache)) {
                    JudgeException e = assertThrows(JudgeException.class, () -> j.compare(pairs(1)));
                    assertTrue(e.getMessage().contains("request 'r0/0-1' names neither A nor B"), e.getMessage());
                    assertTrue(e.getMessage().contains("Both responses have merit."), e.getMessage());
                }
            }
            assertEquals(2, s.requests.get(), "a garbage answer is asked again, not served from the cache");
        }
        try (LocalServer s = new LocalServer("/v1/chat/completions", (n, body, ex) -> LocalServer.Reply.ok("<html>oops"))) {
            try (PairwiseJudge j = (PairwiseJudge) open(s, 0, Duration.ofSeconds(10), 1, null)) {
                JudgeException e = assertThrows(JudgeException.class, () -> j.compare(pairs(1)));
                assertTrue(e.getMessage().contains("not JSON: <html>oops"), e.getMessage());
            }
        }
        try (LocalServer s = new LocalServer("/v1/chat/completions", (n, body, ex) -> LocalServer.Reply.ok("{\"choices\":[]}"))) {
            try (PairwiseJudge j = (PairwiseJudge) open(s, 0, Duration.ofSeconds(10), 1, null)) {
                JudgeException e = assertThrows(JudgeException.class, () -> j.compare(pairs(1)));
                assertTrue(e.getMessage().contains("no choices[0].message.content"), e.getMessage());
            }
        }
    }

    @Test
    void slowServerTimesOut() throws Exception {
        try (LocalServer s = new LocalServer("/v1/chat/completions", (n, body, ex) -> {
            Thread.sleep(3000);
            return prefersGood(body);
        })) {
            try (PairwiseJudge j = (PairwiseJudge) open(s, 0, Duration.ofMillis(500), 1, null)) {
                JudgeException e = assertThrows(JudgeException.class, () -> j.compare(pairs(1)));
                assertTrue(e.getMessage().contains("HttpTimeoutException"), e.getMessage());
            }
        }
    }

    @Test
    void concurrencyIsLimited() throws Exception {
        try (LocalServer s = new LocalServer("/v1/chat/completions", (n, body, ex) -> {
            Thread.sleep(150);
            return prefersGood(body);
        })) {
            try (PairwiseJudge j = (PairwiseJudge) open(s, 0, Duration.ofSeconds(10), 2, null)) {
                assertArrayEquals(new double[] {1, 0, 1, 0, 1, 0, 1, 0}, j.compare(pairs(8)));
            }
            assertTrue(s.maxInFlight.get() <= 2, "at most 2 in flight, saw " + s.maxInFlight.get());
            assertEquals(8, s.requests.get());
        }
    }

    @Test
    void promptTemplateFromAFileMustHaveAllSlots() throws Exception {
        Path t = dir.resolve("t.txt");
        Files.writeString(t, "Q: {prompt}\nA: {response_a}\nB: {response_b}\nSay A or B.");
        PairwisePromptTemplate tpl = PairwisePromptTemplate.read(t);
        assertEquals("Q: hi {response_b}\nA: x\nB: y\nSay A or B.", tpl.render(new TextNode("hi {response_b}"), "x", "y"));
        Files.writeString(t, "Q: {prompt} {response_a}");
        UsageException e = assertThrows(UsageException.class, () -> PairwisePromptTemplate.read(t));
        assertTrue(e.getMessage().contains("has no {response_b}"), e.getMessage());
        JsonNode messages = JsonCodec.mapper().readTree("[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"hi\"}]");
        assertTrue(PairwisePromptTemplate.builtIn().render(messages, "x", "y").contains("system: be brief\nuser: hi"));
    }

    @Test
    void modelIsRequired() {
        JudgeOptions o = JudgeOptions.defaults(Map.of());
        UsageException e = assertThrows(UsageException.class,
                () -> JudgeRegistry.load().open(JudgeSpec.parse("http:http://127.0.0.1:9/v1"), o));
        assertTrue(e.getMessage().contains("needs --judge-model"), e.getMessage());
        e = assertThrows(UsageException.class, () -> JudgeRegistry.load().open(JudgeSpec.parse("http:localhost"), o));
        assertTrue(e.getMessage().contains("expected an http:// or https:// URL"), e.getMessage());
        e = assertThrows(UsageException.class, () -> JudgeRegistry.load().open(JudgeSpec.parse("pairrmx:dir"), o));
        assertTrue(e.getMessage().contains("unknown judge kind 'pairrmx'") && e.getMessage().contains("exec:"), e.getMessage());
    }

    @Test
    void logprobsGiveASoftVerdictThatIsCached() throws Exception {
        Path cache = dir.resolve("cache");
        String withLogprobs = "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"[[A]]\"},\"logprobs\":{\"content\":["
                + "{\"token\":\"[[\",\"logprob\":-0.01,\"top_logprobs\":[{\"token\":\"[[\",\"logprob\":-0.01}]},"
                + "{\"token\":\"A\",\"logprob\":-0.2,\"top_logprobs\":[{\"token\":\"A\",\"logprob\":-0.2},"
                + "{\"token\":\" B\",\"logprob\":-1.8},{\"token\":\" A\",\"logprob\":-4.0},{\"token\":\"C\",\"logprob\":-3.0}]}]}}]}";
        try (LocalServer s = new LocalServer("/v1/chat/completions", (n, body, ex) -> LocalServer.Reply.ok(withLogprobs))) {
            double want = (Math.exp(-0.2) + Math.exp(-4.0)) / (Math.exp(-0.2) + Math.exp(-4.0) + Math.exp(-1.8));
            for (int run = 0; run < 2; run++) {
                try (PairwiseJudge j = (PairwiseJudge) open(s, 0, Duration.ofSeconds(10), 1, cache, true)) {
                    assertEquals(want, j.compare(pairs(1))[0], 1e-12);
                }
            }
            assertEquals(1, s.requests.get(), "the second run reads the soft verdict from the cache");
            JsonNode body = JsonCodec.mapper().readTree(s.bodies.get(0));
            assertTrue(body.get("logprobs").asBoolean());
            assertEquals(10, body.get("top_logprobs").asInt());
        }
        try (LocalServer s = new LocalServer("/v1/chat/completions", (n, body, ex) -> LocalServer.Reply.ok(reply("B")))) {
            try (PairwiseJudge j = (PairwiseJudge) open(s, 0, Duration.ofSeconds(10), 1, null, true)) {
                assertArrayEquals(new double[] {0.0}, j.compare(pairs(1)), "no logprobs in the reply: the hard verdict");
            }
        }
    }
}

package dev.prefloop.core.label;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.data.ShardFormat;
import dev.prefloop.core.data.SliceSpec;
import dev.prefloop.core.judge.JudgeOptions;
import dev.prefloop.core.judge.JudgeRegistry;
import dev.prefloop.core.judge.JudgeSpec;
import dev.prefloop.core.judge.LocalServer;
import dev.prefloop.core.progress.Progress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** label with an LLM judge over HTTP: position bias cancelled by both orders, the API key written nowhere. */
class LabelWithHttpJudgeTest {

    private static final String KEY = "sk-label-test-key-42";

    @TempDir
    Path dir;

    static String reply(String content) {
        return "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"" + content + "\"}}]}";
    }

    private LabelResult run(LocalServer s, Path out, Path cache, boolean bothOrders) throws Exception {
        Path in = dir.resolve("cand.jsonl");
        Files.writeString(in, """
                {"id":"a","prompt":"2+2?","completions":["4, because 2+2 is 4 (good)","5"]}
                {"id":"b","prompt":"capital of France?","completions":["Lyon","Paris (good)"]}
                """);
        JudgeOptions o = new JudgeOptions("m", "JUDGE_KEY", null, false, false, Duration.ofSeconds(10), 2, 0,
                Duration.ofMillis(10), cache, "auto", "auto", false, Map.of("JUDGE_KEY", KEY));
        return new LabelService(Progress.NONE, JudgeRegistry.load()).run(new LabelSettings(in.toString(), out.toString(),
                ShardFormat.JSONL, JudgeSpec.parse("http:" + s.url() + "/v1"), o, Pairing.BEST_WORST, LabelMode.ARGMAX,
                0, bothOrders, 0, 16, SliceSpec.ALL, false, false));
    }

    @Test
    void firstPositionBiasBecomesTiesAndAGoodJudgeLabels() throws Exception {
        try (LocalServer alwaysA = new LocalServer("/v1/chat/completions", (n, b, ex) -> LocalServer.Reply.ok(reply("A")))) {
            LabelResult r = run(alwaysA, dir.resolve("biased"), null, true);
            assertEquals(4, alwaysA.requests.get());
            assertEquals(0, r.pairs());
            assertEquals(2, r.ties(), "a judge that always answers A has no preference once both orders are asked");
        }
        try (LocalServer good = new LocalServer("/v1/chat/completions", (n, body, ex) -> {
            String user = JsonCodec.mapper().readTree(body).get("messages").get(0).get("content").asText();
            String a = user.substring(user.indexOf("[Response A]"), user.indexOf("[Response B]"));
            return LocalServer.Reply.ok(reply(a.contains("(good)") ? "A" : "B"));
        })) {
            Path out = dir.resolve("pairs");
            Path cache = dir.resolve("cache");
            LabelResult r = run(good, out, cache, true);
            assertEquals(2, r.pairs());
            JsonNode manifest = JsonCodec.mapper().readTree(out.resolve("_manifest.json").toFile());
            assertEquals("m", manifest.get("options").get("judge_model").asText());
            for (Path p : files(out)) {
                assertFalse(Files.readString(p, java.nio.charset.StandardCharsets.ISO_8859_1).contains(KEY), p.toString());
            }
            // A forced rerun asks the server nothing: every verdict is in the cache.
            int before = good.requests.get();
            run(good, dir.resolve("pairs2"), cache, true);
            assertEquals(before, good.requests.get());
        }
    }

    private static java.util.List<Path> files(Path d) throws Exception {
        try (Stream<Path> s = Files.walk(d)) {
            return s.filter(Files::isRegularFile).toList();
        }
    }
}

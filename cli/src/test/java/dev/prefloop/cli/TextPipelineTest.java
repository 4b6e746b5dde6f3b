package dev.prefloop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.DatasetLocator;
import dev.prefloop.core.data.DatasetReader;
import dev.prefloop.core.data.SliceSpec;
import dev.prefloop.core.judge.Scripts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The text verbs chained through the command line on the bundled arithmetic pairs: init a tiny
 * model (with its tokenizer), tokenize the pairs, score the tokenized records as reference values
 * (equal to scoring the text records directly), then label candidates built from them with a
 * scripted pointwise verifier; each step reads the previous step's output.
 */
@Tag("slow")
class TextPipelineTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {}

    private static Run prefloop(String... args) {
        CommandLine cl = Prefloop.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static Run ok(String... args) {
        Run r = prefloop(args);
        assertEquals(0, r.code(), String.join(" ", args) + "\n" + r.err());
        return r;
    }

    private static List<ObjectNode> read(Path dir) {
        List<ObjectNode> out = new ArrayList<>();
        try (DatasetReader r = new DatasetReader(DatasetLocator.locate(dir.toString()), SliceSpec.ALL)) {
            while (r.hasNext()) {
                out.add(r.next());
            }
        }
        return out;
    }

    /** A completion's text: the string, or the content of its single assistant message. */
    private static String text(JsonNode completion) {
        return completion.isTextual() ? completion.asText() : completion.get(0).get("content").asText();
    }

    @Test
    void initTokenizeScoreLabel() throws Exception {
        Path pairs = Path.of("..", "examples", "data", "arithmetic-pairs.jsonl").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(pairs), pairs.toString());
        int n = Files.readAllLines(pairs).size();
        Path model = tmp.resolve("tiny");
        ok("init", "--preset", "tiny", "--out", model.toString(), "--seed", "1");

        Path tokenized = tmp.resolve("tokenized");
        JsonNode t = JSON.readTree(ok("tokenize", "--model", model.toString(), "--in", pairs.toString(), "--out",
                tokenized.toString(), "--format", "jsonl", "--json").out());
        assertEquals(n, t.get("records").asInt());

        Path ref = tmp.resolve("ref");
        JsonNode s = JSON.readTree(ok("score", "--model", model.toString(), "--in", tokenized.toString(), "--out",
                ref.toString(), "--as-ref", "--format", "jsonl", "--json").out());
        assertEquals(n, s.get("records").asInt());
        assertEquals(2L * n, s.get("sequences").asLong());
        assertTrue(!s.has("tokenized"), "the tokenized records carry their ids");
        // the same values straight from the text records
        Path direct = tmp.resolve("ref-direct");
        JsonNode d = JSON.readTree(ok("score", "--model", model.toString(), "--in", pairs.toString(), "--out",
                direct.toString(), "--as-ref", "--format", "jsonl", "--json").out());
        assertEquals(n, d.get("tokenized").get("records").asInt());
        List<ObjectNode> scored = read(ref);
        List<ObjectNode> scoredDirect = read(direct);
        for (int i = 0; i < n; i++) {
            for (String f : List.of("ref_chosen_logps", "ref_rejected_logps")) {
                assertEquals(scored.get(i).get(f), scoredDirect.get(i).get(f), scored.get(i).get("id") + " " + f);
                assertTrue(scored.get(i).get(f).asDouble() < 0);
            }
        }

        // candidates from the scored pairs: both answers in a fixed order (the correct one second on even records)
        Path candidates = tmp.resolve("cand.jsonl");
        StringBuilder lines = new StringBuilder();
        Map<String, ObjectNode> byId = new HashMap<>();
        for (int i = 0; i < n; i++) {
            ObjectNode p = scored.get(i);
            byId.put(p.get("id").asText(), p);
            boolean swap = i % 2 == 0;
            String first = swap ? "rejected" : "chosen";
            String second = swap ? "chosen" : "rejected";
            ObjectNode c = JSON.createObjectNode();
            c.set("id", p.get("id"));
            c.set("prompt", p.get("prompt"));
            c.set("prompt_ids", p.get("prompt_ids"));
            c.putArray("completions").add(text(p.get(first))).add(text(p.get(second)));
            ArrayNode ids = c.putArray("completions_ids");
            ids.add(p.get(first + "_ids")).add(p.get(second + "_ids"));
            c.putArray("ref_logps").add(p.get("ref_" + first + "_logps")).add(p.get("ref_" + second + "_logps"));
            lines.append(JSON.writeValueAsString(c)).append('\n');
        }
        Files.writeString(candidates, lines.toString());
        // a verifier: 1 when the response's number is the sum the prompt asks for, else 0
        String judge = "exec:" + Scripts.python(tmp, "sum.py", """
                import re
                for line in sys.stdin:
                    r = json.loads(line)
                    p = r['prompt'] if isinstance(r['prompt'], str) else r['prompt'][-1]['content']
                    a, b = map(int, re.findall(r'\\d+', p)[:2])
                    got = re.findall(r'-?\\d+', r['response'])
                    print(json.dumps({'id': r['id'], 'score': 1.0 if got and int(got[0]) == a + b else 0.0}), flush=True)
                """);
        Path labelled = tmp.resolve("pairs");
        JsonNode l = JSON.readTree(ok("label", "--judge", judge, "--judge-pointwise", "--in", candidates.toString(),
                "--out", labelled.toString(), "--format", "jsonl", "--json").out());
        assertEquals(n, l.get("pairs").asInt(), l.toString());
        for (ObjectNode pair : read(labelled)) {
            ObjectNode source = byId.get(pair.get("id").asText());
            assertEquals(text(source.get("chosen")), pair.get("chosen").asText(), pair.toString());
            assertEquals(source.get("chosen_ids"), pair.get("chosen_ids"), "the tokenized ids travel with the pair");
            assertEquals(source.get("rejected_ids"), pair.get("rejected_ids"));
            assertTrue(pair.get("p_chosen").asDouble() > 0.5, pair.toString());
        }
    }
}

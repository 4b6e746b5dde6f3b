package dev.prefloop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.engine.djl.text.Tokenizer;
import dev.prefloop.engine.djl.text.tiny.TinyTokenizerBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code prefloop tokenize} end to end on the tiny byte-level tokenizer: fields, truncation, reruns, bad input. */
class TokenizeCommandTest {

    @TempDir
    Path tmp;

    private Path model;
    private Path data;

    @BeforeEach
    void tinyModelAndData() throws IOException {
        model = tmp.resolve("model");
        TinyTokenizerBuilder.write(model, 400, TinyTokenizerBuilder.builtInCorpus());
        data = tmp.resolve("data.jsonl");
        Files.writeString(data, String.join("\n",
                "{\"id\": \"t1\", \"prompt\": \"What is two plus three?\", \"chosen\": \" Five.\", \"rejected\": \" Six.\","
                        + " \"score_chosen\": 9}",
                "{\"id\": \"c1\", \"prompt\": [{\"role\": \"user\", \"content\": \"Hi 👋\"}],"
                        + " \"chosen\": [{\"role\": \"assistant\", \"content\": \"Hello!\"}],"
                        + " \"rejected\": [{\"role\": \"assistant\", \"content\": \"Bye.\"}]}",
                "{\"id\": \"i1\", \"chosen\": [{\"role\": \"user\", \"content\": \"Q\"}, {\"role\": \"assistant\", \"content\": \"A\"}],"
                        + " \"rejected\": [{\"role\": \"user\", \"content\": \"Q\"}, {\"role\": \"assistant\", \"content\": \"B\"}]}"),
                StandardCharsets.UTF_8);
    }

    private static List<JsonNode> lines(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            out.add(JsonCodec.mapper().readTree(l));
        }
        return out;
    }

    private static long[] longs(JsonNode ids) {
        long[] out = new long[ids.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ids.get(i).asLong();
        }
        return out;
    }

    @Test
    void writesTextsAndIdsAndCarriesOtherFields() throws IOException {
        Path out = tmp.resolve("out");
        CliRun r = CliRun.of("tokenize", "--model", model.toString(), "--in", data.toString(), "--out", out.toString(),
                "--format", "jsonl", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode summary = JsonCodec.mapper().readTree(r.out());
        assertEquals(3, summary.get("records").asInt());
        List<JsonNode> recs = lines(out.resolve("part-00000.jsonl"));
        JsonNode text = recs.get(0);
        assertEquals(9, text.get("score_chosen").asInt());
        assertEquals("What is two plus three?", text.get("prompt_text").textValue());
        assertEquals(" Five.<|im_end|>", text.get("chosen_text").textValue());
        assertEquals(1, text.get("prompt_ids").get(0).asInt(), "bos");
        try (Tokenizer t = Tokenizer.load(model)) {
            assertEquals(" Six.<|im_end|>", t.decode(longs(recs.get(0).get("rejected_ids")), false));
            JsonNode conv = recs.get(1);
            assertEquals("<|bos|><|im_start|>user\nHi 👋<|im_end|>\n<|im_start|>assistant\n",
                    conv.get("prompt_text").textValue());
            assertEquals(conv.get("prompt_text").textValue(), t.decode(longs(conv.get("prompt_ids")), false));
            assertEquals("Hello!<|im_end|>\n", t.decode(longs(conv.get("chosen_ids")), false));
        }
        JsonNode implicit = recs.get(2);
        assertEquals("A<|im_end|>\n", implicit.get("chosen_text").textValue());
        assertFalse(implicit.has("prompt"), "no prompt field is invented; prompt_text holds the extracted one");
        assertTrue(Files.exists(out.resolve("_manifest.json")));
    }

    @Test
    void arrowOutputReadsBackThroughConvert() {
        Path out = tmp.resolve("arrow");
        assertEquals(0, CliRun.of("tokenize", "-m", model.toString(), "-i", data.toString(), "-o", out.toString()).code());
        CliRun back = CliRun.of("inspect", out.toString(), "--json");
        assertEquals(0, back.code(), back.err() + back.out());
    }

    @Test
    void truncationIsCountedInTheSummaryAndTheManifest() throws IOException {
        Path out = tmp.resolve("cut");
        CliRun r = CliRun.of("tokenize", "-m", model.toString(), "-i", data.toString(), "-o", out.toString(),
                "--format", "jsonl", "--max-prompt-tokens", "3", "--max-completion-tokens", "2", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode counts = JsonCodec.mapper().readTree(r.out()).get("counts");
        assertEquals(3, counts.get("prompts_truncated").asInt());
        assertTrue(counts.get("prompt_tokens_dropped").asInt() > 0);
        assertEquals(6, counts.get("completions_truncated").asInt());
        assertEquals(3 * 3, counts.get("prompt_tokens").asInt());
        assertEquals(6 * 2, counts.get("completion_tokens").asInt());
        for (JsonNode rec : lines(out.resolve("part-00000.jsonl"))) {
            assertEquals(3, rec.get("prompt_ids").size());
            assertEquals(2, rec.get("chosen_ids").size());
        }
        JsonNode manifest = JsonCodec.mapper().readTree(out.resolve("_manifest.json").toFile());
        assertEquals(counts, manifest.get("counts"));
        assertTrue(manifest.get("warnings").get(0).textValue().startsWith("3 prompts truncated from the left"));
    }

    @Test
    void rerunIsANoOpAndOtherOptionsNeedForce() throws IOException {
        Path out = tmp.resolve("o");
        assertEquals(0, CliRun.of("tokenize", "-m", model.toString(), "-i", data.toString(), "-o", out.toString()).code());
        CliRun again = CliRun.of("tokenize", "-m", model.toString(), "-i", data.toString(), "-o", out.toString(), "--json");
        assertEquals("up-to-date", JsonCodec.mapper().readTree(again.out()).get("status").textValue());
        CliRun other = CliRun.of("tokenize", "-m", model.toString(), "-i", data.toString(), "-o", out.toString(),
                "--max-prompt-tokens", "5");
        assertEquals(2, other.code());
        assertTrue(other.err().contains("pass --force"), other.err());
        assertEquals(0, CliRun.of("tokenize", "-m", model.toString(), "-i", data.toString(), "-o", out.toString(),
                "--max-prompt-tokens", "5", "--force").code());
    }

    @Test
    void shardsSplitTheRecords() throws IOException {
        Path out = tmp.resolve("s");
        for (String s : List.of("0/2", "1/2")) {
            assertEquals(0, CliRun.of("tokenize", "-m", model.toString(), "-i", data.toString(), "-o", out.toString(),
                    "--format", "jsonl", "--shard", s).code());
        }
        assertEquals(2, lines(out.resolve("part-shard-0-of-2-00000.jsonl")).size());
        assertEquals(1, lines(out.resolve("part-shard-1-of-2-00000.jsonl")).size());
    }

    @Test
    void aRecordThatDoesNotSplitCleanlyStopsTheRunWithNoOutput() throws IOException {
        Files.writeString(data, Files.readString(data)
                + "\n{\"id\": \"space\", \"prompt\": \"The answer is \", \"completion\": \"correct.\"}\n");
        Path out = tmp.resolve("bad");
        CliRun r = CliRun.of("tokenize", "-m", model.toString(), "-i", data.toString(), "-o", out.toString());
        assertEquals(3, r.code());
        assertTrue(r.err().contains(data.getFileName() + ", line 4 (id space), field completion: the prompt's"), r.err());
        assertFalse(Files.exists(out), "no partial output");
    }

    @Test
    void aTemplateThatRewritesEarlierTurnsIsAnErrorNamingTheRecord() throws IOException {
        ObjectNode config = (ObjectNode) JsonCodec.mapper().readTree(model.resolve("tokenizer_config.json").toFile());
        // drops reasoning from every assistant turn but the last, as Qwen3 drops it from earlier turns
        config.put("chat_template", "{%- set ns = namespace(last=-1) -%}"
                + "{%- for m in messages %}{% if m.role == 'assistant' %}{% set ns.last = loop.index0 %}{% endif %}{% endfor -%}"
                + "{%- for m in messages -%}<|im_start|>{{ m.role + '\\n' }}"
                + "{%- if m.role == 'assistant' and loop.index0 != ns.last -%}{{ m.content.split('</think>')[-1] }}"
                + "{%- else -%}{{ m.content }}{%- endif -%}<|im_end|>\n{% endfor -%}"
                + "{%- if add_generation_prompt %}<|im_start|>assistant\n{% endif -%}");
        JsonCodec.mapper().writeValue(model.resolve("tokenizer_config.json").toFile(), config);
        Path sft = tmp.resolve("sft.jsonl");
        Files.writeString(sft, "{\"id\": \"ok\", \"prompt\": [{\"role\": \"user\", \"content\": \"Q\"}],"
                + " \"completion\": [{\"role\": \"assistant\", \"content\": \"A\"}]}\n"
                + "{\"id\": \"qwen3-like\", \"prompt\": [{\"role\": \"user\", \"content\": \"Q1\"},"
                + " {\"role\": \"assistant\", \"content\": \"<think>r</think>A1\"}, {\"role\": \"user\", \"content\": \"Q2\"}],"
                + " \"completion\": [{\"role\": \"assistant\", \"content\": \"A2\"}]}\n");
        Path out = tmp.resolve("t");
        CliRun r = CliRun.of("tokenize", "-m", model.toString(), "-i", sft.toString(), "-o", out.toString());
        assertEquals(3, r.code());
        assertTrue(r.err().contains("line 2 (id qwen3-like), field completion: the chat template's rendering of the"
                + " prompt is not a prefix"), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void assistantOnlyLossAddsMasksCoveringExactlyTheAssistantTurns() throws IOException {
        Path conv = tmp.resolve("conv.jsonl");
        Files.writeString(conv, "{\"id\": \"m1\", \"messages\": [{\"role\": \"user\", \"content\": \"Q1\"},"
                + " {\"role\": \"assistant\", \"content\": \"A1\"}, {\"role\": \"user\", \"content\": \"Q2\"},"
                + " {\"role\": \"assistant\", \"content\": \"A2\"}]}\n");
        Path out = tmp.resolve("masked");
        CliRun r = CliRun.of("tokenize", "-m", model.toString(), "-i", conv.toString(), "-o", out.toString(),
                "--format", "jsonl", "--assistant-only-loss");
        assertEquals(0, r.code(), r.err());
        JsonNode rec = lines(out.resolve("part-00000.jsonl")).get(0);
        long[] ids = longs(rec.get("input_ids"));
        JsonNode mask = rec.get("assistant_masks");
        assertEquals(ids.length, mask.size());
        StringBuilder masked = new StringBuilder();
        try (Tokenizer t = Tokenizer.load(model)) {
            for (int i = 0; i < ids.length; i++) {
                if (mask.get(i).asInt() == 1) {
                    masked.append(t.decode(new long[] {ids[i]}, false));
                }
            }
        }
        // ChatML: an assistant turn is its content and end-of-turn, not the "<|im_start|>assistant\n" header
        assertEquals("A1<|im_end|>\nA2<|im_end|>\n", masked.toString());
        Path plain = tmp.resolve("plain");
        assertEquals(0, CliRun.of("tokenize", "-m", model.toString(), "-i", conv.toString(), "-o", plain.toString(),
                "--format", "jsonl").code());
        assertFalse(lines(plain.resolve("part-00000.jsonl")).get(0).has("assistant_masks"), "only when asked");
    }

    @Test
    void badInputGivesTheRightExitCodeAndNoOutput() throws IOException {
        Path out = tmp.resolve("x");
        Path broken = tmp.resolve("broken.jsonl");
        Files.writeString(broken, "{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": \n");
        CliRun malformed = CliRun.of("tokenize", "-m", model.toString(), "-i", broken.toString(), "-o", out.toString());
        assertEquals(3, malformed.code());
        assertTrue(malformed.err().contains("broken.jsonl, line 2"), malformed.err());

        Files.writeString(broken, "{\"prompt\": \"a\", \"chosen\": 5, \"rejected\": \"c\"}\n");
        CliRun wrongType = CliRun.of("tokenize", "-m", model.toString(), "-i", broken.toString(), "-o", out.toString());
        assertEquals(3, wrongType.code());
        assertTrue(wrongType.err().contains("chosen"), wrongType.err());

        Files.writeString(broken, "{\"question\": \"a\"}\n");
        CliRun unknown = CliRun.of("tokenize", "-m", model.toString(), "-i", broken.toString(), "-o", out.toString());
        assertEquals(3, unknown.code());
        assertTrue(unknown.err().contains("none of the fields tokenize reads"), unknown.err());

        CliRun kwargs = CliRun.of("tokenize", "-m", model.toString(), "-i", data.toString(), "-o", out.toString(),
                "--chat-template-kwargs", "[1]");
        assertEquals(2, kwargs.code());
        assertTrue(kwargs.err().contains("--chat-template-kwargs: expected a JSON object"), kwargs.err());

        CliRun negative = CliRun.of("tokenize", "-m", model.toString(), "-i", data.toString(), "-o", out.toString(),
                "--max-completion-tokens", "-1");
        assertEquals(2, negative.code());

        CliRun noModel = CliRun.of("tokenize", "-m", tmp.resolve("nope").toString(), "-i", data.toString(), "-o",
                out.toString());
        assertEquals(2, noModel.code());

        Path empty = Files.createDirectories(tmp.resolve("empty-model"));
        CliRun noTokenizer = CliRun.of("tokenize", "-m", empty.toString(), "-i", data.toString(), "-o", out.toString());
        assertEquals(4, noTokenizer.code());
        assertTrue(noTokenizer.err().contains("tokenizer.json not found"), noTokenizer.err());
        assertFalse(Files.exists(out), "no partial output");
    }
}

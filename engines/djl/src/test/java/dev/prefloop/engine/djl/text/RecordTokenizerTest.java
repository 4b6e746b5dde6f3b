package dev.prefloop.engine.djl.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.error.DataException;
import dev.prefloop.engine.djl.text.template.ChatTemplate;
import dev.prefloop.engine.djl.text.tiny.TinyTokenizerBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prompt/completion token boundaries with TRL's semantics, on the tiny byte-level tokenizer (bos 1, eos 3). */
class RecordTokenizerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long BOS = 1;
    private static final long EOS = 3;

    @TempDir
    Path dir;

    private Tokenizer tokenizer;

    @BeforeEach
    void tinyModel() {
        TinyTokenizerBuilder.write(dir, 400, TinyTokenizerBuilder.builtInCorpus());
        tokenizer = Tokenizer.load(dir);
    }

    @AfterEach
    void close() {
        tokenizer.close();
    }

    private RecordTokenizer records(int maxPrompt, int maxCompletion) {
        return new RecordTokenizer(tokenizer, ChatTemplate.load(dir), Map.of(), maxPrompt, maxCompletion,
                Clock.systemUTC());
    }

    private static ObjectNode record(String json) throws IOException {
        return (ObjectNode) JSON.readTree(json);
    }

    @Test
    void textPreferenceGetsBosOnThePromptAndEosOnEachCompletion() throws IOException {
        TokenizedRecord t = records(0, 0).tokenize(record(
                "{\"prompt\": \"What is two plus three?\", \"chosen\": \" Five.\", \"rejected\": \" Six.<|im_end|>\"}"),
                "data.jsonl:1");
        assertEquals(BOS, t.prompt().ids()[0]);
        assertEquals("What is two plus three?", t.prompt().text());
        TokenizedRecord.Segment chosen = t.completion("chosen").segment();
        TokenizedRecord.Segment rejected = t.completion("rejected").segment();
        assertEquals(" Five.<|im_end|>", chosen.text());
        assertEquals(" Six.<|im_end|>", rejected.text(), "eos is not added twice");
        assertEquals(EOS, chosen.ids()[chosen.ids().length - 1]);
        assertEquals(1, Arrays.stream(rejected.ids()).filter(id -> id == EOS).count());
        // the boundary is exact: prompt ids + completion ids are the ids of the whole text
        assertArrayEquals(tokenizer.encode("What is two plus three? Five.<|im_end|>", true),
                t.inputIds(t.completion("chosen")));
        int[] mask = t.completionMask(t.completion("chosen"));
        assertEquals(0, mask[t.prompt().ids().length - 1]);
        assertEquals(1, mask[t.prompt().ids().length]);
    }

    @Test
    void conversationalPromptIsTheTemplateWithGenerationPromptAndItsTokensArePrefix() throws IOException {
        TokenizedRecord t = records(0, 0).tokenize(record("{\"id\": \"r1\", "
                + "\"prompt\": [{\"role\": \"user\", \"content\": \"Hi 👋\"}],"
                + "\"chosen\": [{\"role\": \"assistant\", \"content\": \"Hello!\"}],"
                + "\"rejected\": [{\"role\": \"assistant\", \"content\": \"Go away.\"}]}"), "data.jsonl:1");
        assertTrue(t.conversational());
        assertEquals("<|bos|><|im_start|>user\nHi 👋<|im_end|>\n<|im_start|>assistant\n", t.prompt().text());
        assertEquals("Hello!<|im_end|>\n", t.completion("chosen").segment().text());
        String full = t.prompt().text() + t.completion("chosen").segment().text();
        // rendered text carries its own bos: no special tokens are added when tokenizing it
        assertArrayEquals(tokenizer.encode(full, false), t.inputIds(t.completion("chosen")));
        assertEquals(1, Arrays.stream(t.prompt().ids()).filter(id -> id == BOS).count());
    }

    @Test
    void implicitPromptIsTheSharedPrefixOfMessages() throws IOException {
        TokenizedRecord t = records(0, 0).tokenize(record("{"
                + "\"chosen\": [{\"role\": \"user\", \"content\": \"Q\"}, {\"role\": \"assistant\", \"content\": \"A\"}],"
                + "\"rejected\": [{\"role\": \"user\", \"content\": \"Q\"}, {\"role\": \"assistant\", \"content\": \"B\"}]}"),
                "x:1");
        assertEquals("<|bos|><|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n", t.prompt().text());
        assertEquals("A<|im_end|>\n", t.completion("chosen").segment().text());
        assertEquals("B<|im_end|>\n", t.completion("rejected").segment().text());
    }

    @Test
    void implicitTextPromptDropsTheSpaceThatEndsIt() throws IOException {
        TokenizedRecord t = records(0, 0).tokenize(record(
                "{\"chosen\": \"The sky is blue.\", \"rejected\": \"The sky is green.\"}"), "x:1");
        assertEquals("The sky is", t.prompt().text());
        assertEquals(" blue.<|im_end|>", t.completion("chosen").segment().text());
    }

    @Test
    void aPromptEndingInASpaceDoesNotSplitCleanlyAndTheErrorNamesTheRecord() throws IOException {
        DataException e = assertThrows(DataException.class, () -> records(0, 0).tokenize(record(
                "{\"id\": 7, \"prompt\": \"The answer is \", \"completion\": \"correct.\"}"), "data.jsonl:3"));
        assertTrue(e.getMessage().startsWith("data.jsonl:3 (id 7), field completion: the prompt's"), e.getMessage());
        assertTrue(e.getMessage().contains("not a prefix"), e.getMessage());
    }

    @Test
    void aTemplateThatRewritesEarlierTurnsIsAClearError() throws IOException {
        // Like Qwen3, this template drops the reasoning of assistant turns, here of every one but the last:
        // the prompt's last assistant turn keeps its reasoning, in prompt + completion it loses it.
        String template = "{%- set ns = namespace(last=-1) -%}"
                + "{%- for m in messages %}{% if m.role == 'assistant' %}{% set ns.last = loop.index0 %}{% endif %}{% endfor -%}"
                + "{%- for m in messages -%}<|im_start|>{{ m.role + '\\n' }}"
                + "{%- if m.role == 'assistant' and loop.index0 != ns.last and '</think>' in m.content -%}"
                + "{{ m.content.split('</think>')[-1].lstrip() }}{%- else -%}{{ m.content }}{%- endif -%}"
                + "<|im_end|>\n{% endfor -%}{%- if add_generation_prompt %}<|im_start|>assistant\n{% endif -%}";
        ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("tokenizer_config.json").toFile());
        config.put("chat_template", template);
        JSON.writeValue(dir.resolve("tokenizer_config.json").toFile(), config);
        String rec = "{\"id\": \"think-1\", \"prompt\": [{\"role\": \"user\", \"content\": \"Q1\"},"
                + "{\"role\": \"assistant\", \"content\": \"<think>hmm</think> A1\"}, {\"role\": \"user\", \"content\": \"Q2\"}],"
                + "\"completion\": [{\"role\": \"assistant\", \"content\": \"A2\"}]}";
        DataException e = assertThrows(DataException.class, () -> records(0, 0).tokenize(record(rec), "sft.jsonl:1"));
        assertTrue(e.getMessage().startsWith("sft.jsonl:1 (id think-1), field completion: the chat template's "
                + "rendering of the prompt is not a prefix"), e.getMessage());
        assertTrue(e.getMessage().contains("<think>hmm"), e.getMessage());
    }

    @Test
    void truncationKeepsThePromptEndAndTheCompletionStartAndCountsWhatItDrops() throws IOException {
        ObjectNode r = record("{\"prompt\": \"Count from one to ten: one, two, three, four\","
                + " \"completion\": \", five, six, seven, eight, nine, ten.\"}");
        TokenizedRecord full = records(0, 0).tokenize(r, "x:1");
        TokenizedRecord cut = records(4, 3).tokenize(r, "x:1");
        long[] p = full.prompt().ids();
        long[] c = full.completion("completion").segment().ids();
        assertArrayEquals(Arrays.copyOfRange(p, p.length - 4, p.length), cut.prompt().ids());
        assertArrayEquals(Arrays.copyOf(c, 3), cut.completion("completion").segment().ids());
        assertEquals(p.length - 4, cut.prompt().dropped());
        assertEquals(c.length - 3, cut.completion("completion").segment().dropped());
        assertEquals(0, full.prompt().dropped());
    }

    @Test
    void idsTheRecordCarriesAreUsedAsTheyAre() throws IOException {
        TokenizedRecord t = records(0, 2).tokenize(record(
                "{\"prompt\": \"ignored for ids\", \"prompt_ids\": [1, 40, 41], \"chosen\": \"x\", \"chosen_ids\": [50, 51, 3],"
                        + " \"rejected\": \"y\", \"rejected_ids\": [52]}"), "x:1");
        assertArrayEquals(new long[] {1, 40, 41}, t.prompt().ids());
        assertArrayEquals(new long[] {50, 51}, t.completion("chosen").segment().ids());
        assertEquals(1, t.completion("chosen").segment().dropped());
        assertEquals(tokenizer.decode(new long[] {52}, false), t.completion("rejected").segment().text());
        TokenizedRecord idsOnly = records(0, 0).tokenize(record(
                "{\"prompt_ids\": [1, 40], \"completion_ids\": [41, 3], \"completions_ids\": [[5], [6, 7]]}"), "x:2");
        assertArrayEquals(new long[] {1, 40, 41, 3}, idsOnly.inputIds(idsOnly.completion("completion")));
        assertEquals(3, idsOnly.completions().size());
        assertArrayEquals(new long[] {6, 7}, idsOnly.completions().get(2).segment().ids());
        DataException bad = assertThrows(DataException.class, () -> records(0, 0).tokenize(record(
                "{\"prompt_ids\": [1, -2], \"completion_ids\": [3]}"), "x:9"));
        assertTrue(bad.getMessage().contains("x:9, field prompt_ids[1]"), bad.getMessage());
    }

    @Test
    void candidatesPromptOnlyAndWholeConversations() throws IOException {
        TokenizedRecord cand = records(0, 0).tokenize(record(
                "{\"prompt\": \"Hi\", \"completions\": [\" a\", \" b\"], \"completions_ids\": [null, [9, 9]]}"), "x:1");
        assertEquals(2, cand.completions().size());
        assertEquals(" a<|im_end|>", cand.completions().get(0).segment().text());
        assertArrayEquals(new long[] {9, 9}, cand.completions().get(1).segment().ids());

        TokenizedRecord prompt = records(0, 0).tokenize(record(
                "{\"prompt\": [{\"role\": \"user\", \"content\": \"Q\"}, {\"role\": \"assistant\", \"content\": \"Sure, \"}]}"),
                "x:2");
        assertTrue(prompt.prompt().text().endsWith("<|im_start|>assistant\nSure, "), prompt.prompt().text());
        assertTrue(prompt.completions().isEmpty());

        TokenizedRecord conv = records(0, 0).tokenize(record(
                "{\"messages\": [{\"role\": \"user\", \"content\": \"Q\"}, {\"role\": \"assistant\", \"content\": \"A\"}]}"),
                "x:3");
        assertNull(conv.prompt());
        assertEquals("<|bos|><|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n",
                conv.completion("messages").segment().text());
    }

    @Test
    void mixedTextAndMessagesAndTemplateErrorsNameTheRecord() throws IOException {
        DataException mixed = assertThrows(DataException.class, () -> records(0, 0).tokenize(record(
                "{\"id\": \"m\", \"prompt\": [{\"role\": \"user\", \"content\": \"Q\"}], \"completion\": \"A\"}"), "x:4"));
        assertEquals("x:4 (id m), field completion: expected a list of messages, as the prompt is, got string",
                mixed.getMessage());
        DataException noPrompt = assertThrows(DataException.class, () -> records(0, 0).tokenize(record(
                "{\"completion\": \"A\"}"), "x:5"));
        assertTrue(noPrompt.getMessage().startsWith("x:5, field completion: a completion needs a prompt"),
                noPrompt.getMessage());
        DataException template = assertThrows(DataException.class, () -> records(0, 0).tokenize(record(
                "{\"prompt\": [{\"role\": \"user\"}], \"completion\": [{\"role\": \"assistant\", \"content\": \"A\"}]}"),
                "x:6"));
        assertTrue(template.getMessage().startsWith("x:6: the chat template failed: "), template.getMessage());
    }

    @Test
    void chatTemplateKwargsReachTheTemplate() throws IOException {
        ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("tokenizer_config.json").toFile());
        config.put("chat_template", "{{ greeting }}{% for m in messages %}{{ m.content }}"
                + "{% if m.role == 'user' %}>{% endif %}{% endfor %}");
        JSON.writeValue(dir.resolve("tokenizer_config.json").toFile(), config);
        RecordTokenizer rt = new RecordTokenizer(tokenizer, ChatTemplate.load(dir), Map.of("greeting", "hey "), 0, 0,
                Clock.systemUTC());
        ObjectNode r = record("{\"prompt\": [{\"role\": \"user\", \"content\": \"Q\"}],"
                + " \"completion\": [{\"role\": \"assistant\", \"content\": \"A\"}]}");
        assertEquals("hey Q>", rt.tokenize(r, "x:1").prompt().text());
        r.set("chat_template_kwargs", JSON.readTree("{\"greeting\": \"yo \"}"));
        assertEquals("yo Q>", rt.tokenize(r, "x:1").prompt().text());
        assertEquals("A", rt.tokenize(r, "x:1").completion("completion").segment().text());
    }

    @Test
    void recordToolsReachTheTemplateAsAListOrAJsonStringAndAnEmptyListIsNone() throws IOException {
        ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("tokenizer_config.json").toFile());
        config.put("chat_template", "{% if tools is none %}none{% else %}{{ tools[0].name }}{% endif %}|"
                + "{% for m in messages %}{{ m.content }}{% endfor %}");
        JSON.writeValue(dir.resolve("tokenizer_config.json").toFile(), config);
        String prompt = "\"prompt\": [{\"role\": \"user\", \"content\": \"Q\"}]";
        assertEquals("get_time|Q", records(0, 0).tokenize(record("{" + prompt
                + ", \"tools\": [{\"name\": \"get_time\"}]}"), "x:1").prompt().text());
        assertEquals("get_time|Q", records(0, 0).tokenize(record("{" + prompt
                + ", \"tools\": \"[{\\\"name\\\": \\\"get_time\\\"}]\"}"), "x:1").prompt().text());
        assertEquals("none|Q", records(0, 0).tokenize(record("{" + prompt + ", \"tools\": []}"), "x:1")
                .prompt().text());
    }
}

package dev.prefloop.engine.djl.text.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prefloop.core.error.DataException;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.core.error.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading templates from a model directory and rendering them as apply_chat_template(tokenize=False). */
class ChatTemplateTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHATML = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n"
            + "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-01-15T09:30:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    private void config(Map<String, Object> fields) throws IOException {
        JSON.writeValue(dir.resolve("tokenizer_config.json").toFile(), fields);
    }

    private static List<Object> messages(String... roleContent) {
        List<Object> out = new java.util.ArrayList<>();
        for (int i = 0; i < roleContent.length; i += 2) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("role", roleContent[i]);
            m.put("content", roleContent[i + 1]);
            out.add(m);
        }
        return out;
    }

    @Test
    void rendersTheConfigTemplateWithSpecialTokensWrittenAsAddedTokens() throws IOException {
        config(Map.of("chat_template", "{{ bos_token }}" + CHATML + "{{ eos_token }}",
                "bos_token", Map.of("content", "<s>", "lstrip", false), "eos_token", "</s>"));
        ChatTemplate t = ChatTemplate.load(dir);
        assertEquals(List.of("default"), List.copyOf(t.names()));
        assertEquals("<s><|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n</s>",
                t.render(ChatRequest.of(messages("user", "Hi"), true), CLOCK));
    }

    @Test
    void specialTokensMapOverridesTheConfigAndUnsetTokensAreUndefined() throws IOException {
        config(Map.of("chat_template", "[{{ bos_token }}|{{ pad_token is defined }}]", "bos_token", "<old>"));
        JSON.writeValue(dir.resolve("special_tokens_map.json").toFile(), Map.of("bos_token", Map.of("content", "<new>")));
        assertEquals("[<new>|False]", ChatTemplate.load(dir).render(ChatRequest.of(List.of(), false), CLOCK));
    }

    @Test
    void chatTemplateJinjaFileTakesPriorityOverTheConfig() throws IOException {
        config(Map.of("chat_template", "from config"));
        Files.writeString(dir.resolve("chat_template.jinja"), "from file");
        assertEquals("from file", ChatTemplate.load(dir).render(ChatRequest.of(List.of(), false), CLOCK));
    }

    @Test
    void namedTemplatesPickDefaultOrToolUseAsTransformersDoes() throws IOException {
        config(Map.of("chat_template", List.of(Map.of("name", "default", "template", "plain"),
                Map.of("name", "tool_use", "template", "tools={{ tools|length }}"),
                Map.of("name", "rag", "template", "docs={{ documents|length }}"))));
        ChatTemplate t = ChatTemplate.load(dir);
        List<Object> tools = List.of(Map.of("type", "function"));
        assertEquals("plain", t.render(ChatRequest.of(messages("user", "x"), false), CLOCK));
        assertEquals("tools=1", t.render(new ChatRequest(List.of(), tools, null, false, false, null, Map.of()), CLOCK));
        assertEquals("plain", t.render(new ChatRequest(List.of(), tools, null, false, false, "default", Map.of()), CLOCK));
        assertEquals("docs=2", t.render(new ChatRequest(List.of(), null, List.of("a", "b"), false, false, "rag",
                Map.of()), CLOCK));
        UsageException e = assertThrows(UsageException.class,
                () -> t.render(new ChatRequest(List.of(), null, null, false, false, "nope", Map.of()), CLOCK));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
    }

    @Test
    void severalTemplatesWithoutDefaultNeedAName() throws IOException {
        config(Map.of("chat_template", List.of(Map.of("name", "a", "template", "A"), Map.of("name", "b", "template", "B"))));
        ChatTemplate t = ChatTemplate.load(dir);
        assertThrows(UsageException.class, () -> t.render(ChatRequest.of(List.of(), false), CLOCK));
        assertEquals("B", t.render(new ChatRequest(List.of(), null, null, false, false, "b", Map.of()), CLOCK));
    }

    @Test
    void additionalTemplateFilesAreNamedByTheirFileName() throws IOException {
        config(Map.of("chat_template", "ignored once files exist"));
        Files.writeString(dir.resolve("chat_template.jinja"), "D");
        Files.createDirectories(dir.resolve("additional_chat_templates"));
        Files.writeString(dir.resolve("additional_chat_templates/tool_use.jinja"), "T");
        ChatTemplate t = ChatTemplate.load(dir);
        assertEquals(List.of("default", "tool_use"), List.copyOf(t.names()));
        assertEquals("D", t.render(ChatRequest.of(List.of(), false), CLOCK));
        assertEquals("T", t.render(new ChatRequest(List.of(), List.of(), null, false, false, null, Map.of()), CLOCK));
    }

    @Test
    void aModelWithoutTemplateIsAModelError() throws IOException {
        config(Map.of("bos_token", "<s>"));
        ChatTemplate t = ChatTemplate.load(dir);
        assertFalse(t.isPresent());
        assertThrows(ModelException.class, () -> t.render(ChatRequest.of(List.of(), false), CLOCK));
    }

    @Test
    void aSyntaxErrorIsAModelErrorNamingTheSourceAndLine() throws IOException {
        Files.writeString(dir.resolve("chat_template.jinja"), "line one\n{% for m in messages %}\n{{ m.role + }}\n");
        ModelException e = assertThrows(ModelException.class,
                () -> ChatTemplate.load(dir).render(ChatRequest.of(List.of(), false), CLOCK));
        assertTrue(e.getMessage().contains("chat_template.jinja, line 3"), e.getMessage());
    }

    @Test
    void raiseExceptionIsADataErrorWithTheTemplatesMessage() throws IOException {
        config(Map.of("chat_template", "{% if messages[0].role != 'user' %}{{ raise_exception('First must be user, got '"
                + " ~ messages[0].role) }}{% endif %}ok"));
        DataException e = assertThrows(DataException.class,
                () -> ChatTemplate.load(dir).render(ChatRequest.of(messages("bot", "x"), false), CLOCK));
        assertEquals("First must be user, got bot", e.getMessage());
    }

    @Test
    void extraKeywordArgumentsReachTheTemplateButCannotReplaceItsArguments() throws IOException {
        config(Map.of("chat_template", "{{ 'think' if enable_thinking else 'fast' }}|{{ strftime_now('%d %b %Y') }}",
                "eos_token", "</s>"));
        ChatTemplate t = ChatTemplate.load(dir);
        assertEquals("fast|15 Jan 2025", t.render(new ChatRequest(List.of(), null, null, true, false, null,
                Map.of("enable_thinking", false)), CLOCK));
        assertEquals("think|15 Jan 2025", t.render(new ChatRequest(List.of(), null, null, true, false, null,
                Map.of("enable_thinking", true)), CLOCK));
        assertThrows(UsageException.class, () -> t.render(new ChatRequest(List.of(), null, null, true, false, null,
                Map.of("messages", List.of())), CLOCK));
    }

    @Test
    void continueFinalMessageCutsAfterTheLastMessage() throws IOException {
        config(Map.of("chat_template", CHATML));
        ChatTemplate t = ChatTemplate.load(dir);
        ChatRequest keep = new ChatRequest(messages("user", "Hi", "assistant", "Hello wor"), null, null, false, true,
                null, Map.of());
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello wor", t.render(keep, CLOCK));
        assertThrows(UsageException.class, () -> t.render(new ChatRequest(messages("user", "Hi"), null, null, true,
                true, null, Map.of()), CLOCK));
    }

    @Test
    void continueFinalMessageAfterATemplateThatTrimsContent() throws IOException {
        config(Map.of("chat_template", "{% for m in messages %}[{{ m.role }}]{{ m.content | trim }}</s>{% endfor %}"));
        ChatRequest r = new ChatRequest(messages("user", "Hi", "assistant", "Sure, "), null, null, false, true, null,
                Map.of());
        assertEquals("[user]Hi</s>[assistant]Sure,", ChatTemplate.load(dir).render(r, CLOCK));
    }

    @Test
    void templateSyntaxInsideMessagesComesOutVerbatim() throws IOException {
        config(Map.of("chat_template", CHATML));
        String content = "{{ 1 + 1 }} {% raw %}x{% endraw %} {# not a comment #} {% if true %}y{% endif %} {{- '-' -}}";
        String out = ChatTemplate.load(dir).render(ChatRequest.of(messages("user", content), false), CLOCK);
        assertEquals("<|im_start|>user\n" + content + "<|im_end|>\n", out);
    }
}

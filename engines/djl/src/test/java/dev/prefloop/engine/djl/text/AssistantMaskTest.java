package dev.prefloop.engine.djl.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Assistant-only loss masks of {@code messages} records, checked by hand: the masked tokens decode to exactly
 * the assistant turns, with the tiny ChatML template (no generation tags: prefix renderings) and with one that
 * marks assistant text with {% generation %} blocks.
 */
class AssistantMaskTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONVERSATION = "{\"id\": \"c1\", \"messages\": ["
            + "{\"role\": \"system\", \"content\": \"Be brief.\"},"
            + "{\"role\": \"user\", \"content\": \"What is 2+3?\"},"
            + "{\"role\": \"assistant\", \"content\": \"5\"},"
            + "{\"role\": \"user\", \"content\": \"And 4+4?\"},"
            + "{\"role\": \"assistant\", \"content\": \"8, I think.\"}]}";
    /** ChatML whose assistant content and end-of-turn token are a generation block (the newline is not). */
    private static final String GENERATION_TEMPLATE = "{{ bos_token }}{% for message in messages %}"
            + "{{ '<|im_start|>' + message['role'] + '\\n' }}"
            + "{% if message['role'] == 'assistant' %}{% generation %}{{ message['content'] + '<|im_end|>' }}"
            + "{% endgeneration %}{% else %}{{ message['content'] + '<|im_end|>' }}{% endif %}{{ '\\n' }}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    @TempDir
    Path dir;

    private Tokenizer tokenizer;

    @BeforeEach
    void tinyTokenizer() {
        TinyTokenizerBuilder.write(dir, 400, TinyTokenizerBuilder.builtInCorpus());
        tokenizer = Tokenizer.load(dir);
    }

    @AfterEach
    void close() {
        tokenizer.close();
    }

    private RecordTokenizer.MaskedConversation masked(String template, String record) throws IOException {
        ChatTemplate t = template == null ? ChatTemplate.load(dir) : ChatTemplate.fromSource(template, "test");
        return new RecordTokenizer(tokenizer, t, Map.of(), 0, 0, Clock.systemUTC())
                .assistantMasked((ObjectNode) JSON.readTree(record), "data.jsonl:1");
    }

    /** The texts of the runs of masked tokens, in order. */
    private List<String> maskedRuns(RecordTokenizer.MaskedConversation c) {
        List<String> runs = new ArrayList<>();
        int i = 0;
        while (i < c.ids().length) {
            if (c.assistantMask()[i] == 0) {
                i++;
                continue;
            }
            int start = i;
            while (i < c.ids().length && c.assistantMask()[i] == 1) {
                i++;
            }
            runs.add(tokenizer.decode(Arrays.copyOfRange(c.ids(), start, i), false));
        }
        return runs;
    }

    @Test
    void withoutGenerationTagsEachAssistantTurnIsWhatItAddsAfterTheGenerationPrompt() throws IOException {
        RecordTokenizer.MaskedConversation c = masked(null, CONVERSATION);
        assertFalse(c.fromGenerationBlocks());
        assertEquals("<|bos|><|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is 2+3?<|im_end|>\n"
                + "<|im_start|>assistant\n5<|im_end|>\n<|im_start|>user\nAnd 4+4?<|im_end|>\n"
                + "<|im_start|>assistant\n8, I think.<|im_end|>\n", c.text());
        // the header "<|im_start|>assistant\n" is the generation prompt, so it is not scored; the end of turn is
        assertEquals(List.of("5<|im_end|>\n", "8, I think.<|im_end|>\n"), maskedRuns(c));
        assertEquals(c.ids().length, tokenizer.encode(c.text(), false).length);
    }

    @Test
    void generationBlocksMarkExactlyTheirText() throws IOException {
        RecordTokenizer.MaskedConversation c = masked(GENERATION_TEMPLATE, CONVERSATION);
        assertTrue(c.fromGenerationBlocks());
        assertEquals(List.of("5<|im_end|>", "8, I think.<|im_end|>"), maskedRuns(c));
    }

    @Test
    void aConversationWithoutAssistantTurnsHasAnEmptyMask() throws IOException {
        RecordTokenizer.MaskedConversation c = masked(null,
                "{\"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}]}");
        assertEquals(0, Arrays.stream(c.assistantMask()).sum());
    }

    @Test
    void aTemplateThatRewritesEarlierTurnsIsAnErrorNamingTheRecordAndTurn() {
        // marks the last message, so the rendering before an assistant turn differs from the whole conversation's
        String rewriting = "{% for message in messages %}{{ message['role'] + ': ' + message['content'] }}"
                + "{% if loop.last %}{{ ' (last)' }}{% endif %}{{ '\\n' }}{% endfor %}"
                + "{% if add_generation_prompt %}{{ 'assistant: ' }}{% endif %}";
        DataException e = assertThrows(DataException.class, () -> masked(rewriting, CONVERSATION));
        assertTrue(e.getMessage().startsWith("data.jsonl:1 (id c1), field messages[2]:"), e.getMessage());
        assertTrue(e.getMessage().contains("not a prefix"), e.getMessage());
    }

    @Test
    void aTurnBoundaryInsideATokenIsAnError() throws IOException {
        // the generation prompt ends mid-word, so the first assistant token straddles the boundary
        String midWord = "{% for message in messages %}{% if message['role'] == 'assistant' %}{{ 'ans' }}"
                + "{% endif %}{{ message['content'] + '\\n' }}{% endfor %}"
                + "{% if add_generation_prompt %}{{ 'ans' }}{% endif %}";
        DataException e = assertThrows(DataException.class, () -> masked(midWord,
                "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \"wer\"}]}"));
        assertTrue(e.getMessage().contains("field messages[1]: token"), e.getMessage());
        assertTrue(e.getMessage().contains("spans the start of the assistant turn"), e.getMessage());
    }
}

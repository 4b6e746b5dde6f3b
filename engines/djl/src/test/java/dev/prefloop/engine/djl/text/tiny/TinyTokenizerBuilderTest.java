package dev.prefloop.engine.djl.text.tiny;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.engine.djl.text.Tokenizer;
import dev.prefloop.engine.djl.text.template.ChatRequest;
import dev.prefloop.engine.djl.text.template.ChatTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tiny byte-level BPE tokenizer loads in DJL's tokenizer, round-trips any text and renders chats. */
class TinyTokenizerBuilderTest {

    @TempDir
    Path dir;

    @Test
    void roundTripsNonAsciiTextExactly() {
        TinyTokenizerBuilder.Summary s = TinyTokenizerBuilder.write(dir, 400, TinyTokenizerBuilder.builtInCorpus());
        assertEquals(400, s.vocabSize());
        try (Tokenizer t = Tokenizer.load(dir)) {
            for (String text : List.of("Hello, world!", "Café naïve über 🤖👋 こんにちは 你好 مرحبا",
                    "  leading and trailing spaces \n\ttabs\r\n", "e\u0301 combining, \u200b zero width, 𝔘𝔫𝔦",
                    "")) {
                long[] ids = t.encode(text, false);
                assertEquals(text, t.decode(ids, false), "round trip of [" + text + "]");
            }
            // merges learned from the corpus shorten common words
            String common = "The answer is correct.";
            assertTrue(t.encode(common, false).length < common.length(), "merges apply");
        }
    }

    @Test
    void specialTokensAreSingleTokensAndBosIsAdded() throws IOException {
        TinyTokenizerBuilder.write(dir, 300, TinyTokenizerBuilder.builtInCorpus());
        try (Tokenizer t = Tokenizer.load(dir)) {
            assertArrayEquals(new long[] {0, 1, 2, 3},
                    t.encode("<|endoftext|><|bos|><|im_start|><|im_end|>", false));
            long[] withBos = t.encode("hi", true);
            assertEquals(1, withBos[0]);
            assertEquals("hi", t.decode(withBos, true));
        }
        // without add_bos_token in tokenizer_config.json the post-processor adds bos, as transformers' fast tokenizer does
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(dir.resolve("tokenizer_config.json").toFile());
        config.remove("add_bos_token");
        config.remove("add_eos_token");
        json.writeValue(dir.resolve("tokenizer_config.json").toFile(), config);
        try (Tokenizer t = Tokenizer.load(dir)) {
            long[] ids = t.encode("hi", true);
            assertEquals(1, ids[0]);
            assertArrayEquals(Arrays.copyOfRange(ids, 1, ids.length), t.encode("hi", false));
        }
    }

    @Test
    void chatTemplateRendersWithItsSpecialTokens() {
        TinyTokenizerBuilder.write(dir, 400, TinyTokenizerBuilder.builtInCorpus());
        ChatTemplate template = ChatTemplate.load(dir);
        String text = template.render(ChatRequest.of(List.of(Map.of("role", "user", "content", "Hi 👋")), true));
        assertEquals("<|bos|><|im_start|>user\nHi 👋<|im_end|>\n<|im_start|>assistant\n", text);
        assertEquals("<|im_end|>", template.specialTokens().get("eos_token"));
        assertEquals("<|endoftext|>", template.specialTokens().get("pad_token"));
        try (Tokenizer t = Tokenizer.load(dir)) {
            long[] ids = t.encode(text, false);
            assertEquals(1, ids[0]);
            assertEquals(2, ids[1]);
            assertEquals(text, t.decode(ids, false));
        }
    }

    @Test
    void sameCorpusGivesTheSameFiles() throws IOException {
        Path other = dir.resolve("again");
        TinyTokenizerBuilder.write(dir, 600, TinyTokenizerBuilder.builtInCorpus());
        TinyTokenizerBuilder.write(other, 600, TinyTokenizerBuilder.builtInCorpus());
        assertEquals(Files.readString(dir.resolve("tokenizer.json")), Files.readString(other.resolve("tokenizer.json")));
    }

    @Test
    void aSmallCorpusStopsEarlyAndTooSmallAVocabularyIsRefused() {
        TinyTokenizerBuilder.Summary s = TinyTokenizerBuilder.write(dir, 5000, List.of("abab abab"));
        assertTrue(s.vocabSize() < 5000 && s.merges() > 0, s.toString());
        UsageException e = assertThrows(UsageException.class, () -> TinyTokenizerBuilder.write(dir, 100, List.of()));
        assertTrue(e.getMessage().contains("260"), e.getMessage());
    }
}

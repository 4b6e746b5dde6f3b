package dev.prefloop.engine.djl.init;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prefloop.engine.djl.TorchRuntime;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** init's tokenizer loads in HF tokenizers, round-trips any text byte by byte, and fits the model's vocabulary. */
class ByteLevelTokenizerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyByteHasItsOwnSymbol() {
        String[] symbols = ByteLevelTokenizer.byteSymbols();
        Set<String> distinct = new HashSet<>();
        for (String s : symbols) {
            distinct.add(s);
        }
        assertEquals(256, distinct.size());
        assertEquals("A", symbols['A']);
        assertEquals("Ġ", symbols[' ']); // GPT-2's space
        assertEquals("Ċ", symbols['\n']);
    }

    @Test
    void aPresetModelEncodesAndDecodesTextWithinItsVocabulary(@TempDir Path tmp) throws Exception {
        TorchRuntime.engine(); // offline mode before the tokenizers library starts
        Path dir = tmp.resolve("tiny");
        new InitService().run(new InitSettings(ModelPreset.TINY, null, null, false, dir, 0, false));
        JsonNode config = JSON.readTree(dir.resolve("config.json").toFile());
        assertEquals(0, config.get("pad_token_id").asInt());
        JsonNode tc = JSON.readTree(dir.resolve("tokenizer_config.json").toFile());
        assertEquals("</s>", tc.get("eos_token").asText());
        assertEquals(ByteLevelTokenizer.CHAT_TEMPLATE, tc.get("chat_template").asText());
        try (HuggingFaceTokenizer tok = HuggingFaceTokenizer.builder()
                .optTokenizerPath(dir.resolve("tokenizer.json")).optAddSpecialTokens(false).optTruncation(false)
                .optPadding(false).build()) {
            String text = "Héllo, wörld! 👋 \n\ttabs";
            Encoding e = tok.encode(text, false, false);
            long[] ids = e.getIds();
            byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
            assertEquals(utf8.length, ids.length, "one token per UTF-8 byte");
            for (int i = 0; i < ids.length; i++) {
                assertEquals(6 + (utf8[i] & 0xff), ids[i], "byte " + i);
                assertTrue(ids[i] < config.get("vocab_size").asInt());
            }
            assertEquals(text, tok.decode(ids, false));

            String chat = "<s><|user|>\nhi</s>\n<|assistant|>\n";
            long[] chatIds = tok.encode(chat, false, false).getIds();
            assertArrayEquals(new long[] {1, 4, 6 + '\n', 6 + 'h', 6 + 'i', 2, 6 + '\n', 5, 6 + '\n'}, chatIds);
            assertEquals("hi", tok.decode(new long[] {1, 4, 6 + 'h', 6 + 'i', 2}, true));
        }
    }
}

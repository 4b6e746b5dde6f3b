package dev.prefloop.engine.djl.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prefloop.core.error.ModelException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tokenizer wrapper over a hand-written WordLevel tokenizer.json (vocabulary of ten words). */
class TokenizerTest {

    @TempDir
    Path dir;

    private Path model(String tokenizerConfig) throws IOException {
        return model("wordlevel", tokenizerConfig);
    }

    private Path model(String kind, String tokenizerConfig) throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/tokenizers/" + kind + "/tokenizer.json")) {
            Files.copy(in, dir.resolve("tokenizer.json"));
        }
        if (tokenizerConfig != null) {
            Files.writeString(dir.resolve("tokenizer_config.json"), tokenizerConfig);
        }
        return dir;
    }

    @Test
    void roundTripsNonAsciiTextWithoutSpecialTokens() throws IOException {
        try (Tokenizer t = Tokenizer.load(model(null))) {
            long[] ids = t.encode("Hello café 🤖 naïve über!", false);
            assertArrayEquals(new long[] {3, 5, 6, 8, 9, 7}, ids);
            // No decoder in this tokenizer.json: tokens are joined with spaces.
            assertEquals("hello café 🤖 naïve über !", t.decode(ids, false));
        }
    }

    @Test
    void byteLevelBpeRoundTripsAnyText() throws IOException {
        try (Tokenizer t = Tokenizer.load(model("bytelevel", null))) {
            String text = "hello world\nÇa va? 🤖 مرحبا <|im_start|>user\n\u00e9\u0301\t ok";
            long[] ids = t.encode(text, false);
            assertEquals(text, t.decode(ids, false));
            // merges apply: "hello" is one token, " w" is one token; specials typed in the text are recognised
            assertEquals(262, ids[0]);
            assertEquals(263, ids[1]);
            assertTrue(java.util.Arrays.stream(ids).anyMatch(id -> id == 1));
            assertEquals(text.replace("<|im_start|>", ""), t.decode(ids, true));
        }
    }

    @Test
    void byteLevelSpansCoverTheirCharacters() throws IOException {
        try (Tokenizer t = Tokenizer.load(model("bytelevel", null))) {
            String text = "🤖 é";
            TokenizedText tt = t.tokenize(text, false);
            for (int i = 0; i < tt.size(); i++) {
                String piece = text.substring(tt.starts()[i], tt.ends()[i]);
                assertTrue(piece.equals("🤖") || piece.equals(" é") || piece.equals("é") || piece.equals(" "),
                        "token " + i + " spans [" + piece + "]");
            }
            assertEquals(text.length(), tt.ends()[tt.size() - 1]);
        }
    }

    @Test
    void neverTruncates() throws IOException {
        try (Tokenizer t = Tokenizer.load(model(null))) {
            assertEquals(2000, t.encode("hello world ".repeat(1000), false).length);
        }
    }

    @Test
    void spansAreJavaStringIndicesEvenAfterAnEmoji() throws IOException {
        try (Tokenizer t = Tokenizer.load(model(null))) {
            String text = "🤖 hello";
            TokenizedText tt = t.tokenize(text, false);
            assertArrayEquals(new long[] {6, 3}, tt.ids());
            assertEquals("🤖", text.substring(tt.starts()[0], tt.ends()[0]));
            assertEquals("hello", text.substring(tt.starts()[1], tt.ends()[1]));
        }
    }

    @Test
    void withoutConfigFlagsThePostProcessorAddsSpecialTokens() throws IOException {
        try (Tokenizer t = Tokenizer.load(model("{\"bos_token\": \"<s>\"}"))) {
            TokenizedText tt = t.tokenize("hello", true);
            assertArrayEquals(new long[] {1, 3}, tt.ids());
            assertEquals(-1, tt.starts()[0]);
            assertEquals("<s> hello", t.decode(tt.ids(), false));
            assertEquals("hello", t.decode(tt.ids(), true));
        }
    }

    @Test
    void configFlagsDecideBosAndEos() throws IOException {
        String config = "{\"add_bos_token\": false, \"add_eos_token\": true, \"bos_token\": \"<s>\","
                + " \"eos_token\": {\"content\": \"</s>\", \"special\": true}}";
        try (Tokenizer t = Tokenizer.load(model(config))) {
            TokenizedText tt = t.tokenize("hello world", true);
            assertArrayEquals(new long[] {3, 4, 2}, tt.ids());
            assertArrayEquals(new int[] {0, 6, -1}, tt.starts());
            assertArrayEquals(new long[] {3, 4}, t.encode("hello world", false));
        }
    }

    @Test
    void specialTokensTypedInTheTextAreRecognised() throws IOException {
        try (Tokenizer t = Tokenizer.load(model(null))) {
            assertArrayEquals(new long[] {1, 3, 2}, t.encode("<s>hello</s>", false));
        }
    }

    @Test
    void missingOrBrokenFilesAreModelErrors() throws IOException {
        ModelException missing = assertThrows(ModelException.class, () -> Tokenizer.load(dir));
        assertTrue(missing.getMessage().contains("tokenizer.json"), missing.getMessage());
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": 42}");
        assertThrows(ModelException.class, () -> Tokenizer.load(dir));
    }

    @Test
    void aConfiguredBosThatIsNotOneTokenIsAModelError() throws IOException {
        Path m = model("{\"add_bos_token\": true, \"bos_token\": \"<bos> two\"}");
        assertThrows(ModelException.class, () -> Tokenizer.load(m));
    }
}

package dev.prefloop.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.engine.djl.text.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code prefloop init-tokenizer}: a loadable tokenizer from a corpus; refusals leave nothing behind. */
class InitTokenizerCommandTest {

    @TempDir
    Path tmp;

    @Test
    void learnsFromACorpusFileAndTheResultRoundTrips() throws IOException {
        Path corpus = tmp.resolve("corpus.txt");
        Files.writeString(corpus, "naïve café naïve café 🤖🤖 ".repeat(20));
        Path out = tmp.resolve("tok");
        CliRun r = CliRun.of("init-tokenizer", "--out", out.toString(), "--corpus", corpus.toString(),
                "--vocab-size", "300", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode summary = JsonCodec.mapper().readTree(r.out());
        // this corpus runs out of pairs seen twice before 300 tokens
        int size = summary.get("vocab_size").asInt();
        assertTrue(size > 260 && size < 300, summary.toString());
        try (Tokenizer t = Tokenizer.load(out)) {
            long[] ids = t.encode(" naïve café", false);
            assertTrue(ids.length <= 2, "learned merges apply: " + ids.length);
            assertEquals("日本語 🤖 naïve", t.decode(t.encode("日本語 🤖 naïve", false), false));
        }
        CliRun again = CliRun.of("init-tokenizer", "--out", out.toString());
        assertEquals(2, again.code());
        assertTrue(again.err().contains("already holds a tokenizer; pass --force"), again.err());
        assertEquals(0, CliRun.of("init-tokenizer", "--out", out.toString(), "--force").code());
    }

    @Test
    void badInput() throws IOException {
        Path out = tmp.resolve("t");
        CliRun small = CliRun.of("init-tokenizer", "--out", out.toString(), "--vocab-size", "10");
        assertEquals(2, small.code());
        assertTrue(small.err().contains("at least 260"), small.err());
        CliRun missing = CliRun.of("init-tokenizer", "--out", out.toString(), "--corpus", tmp.resolve("no").toString());
        assertEquals(2, missing.code());
        Path binary = tmp.resolve("bin");
        Files.write(binary, new byte[] {(byte) 0xff, (byte) 0xfe, 0});
        CliRun notText = CliRun.of("init-tokenizer", "--out", out.toString(), "--corpus", binary.toString());
        assertEquals(3, notText.code());
        assertTrue(notText.err().contains("not valid UTF-8"), notText.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void sameCorpusSameBytes() throws IOException {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        assertEquals(0, CliRun.of("init-tokenizer", "-o", a.toString()).code());
        assertEquals(0, CliRun.of("init-tokenizer", "-o", b.toString()).code());
        assertArrayEquals(Files.readAllBytes(a.resolve("tokenizer.json")), Files.readAllBytes(b.resolve("tokenizer.json")));
    }
}

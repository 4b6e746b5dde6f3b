package dev.prefloop.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.jsonl.JsonlRecordReader;
import dev.prefloop.core.error.DataException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class JsonlRecordReaderTest {

    private static List<ObjectNode> readAll(byte[] bytes, boolean gzip) {
        List<ObjectNode> out = new ArrayList<>();
        try (JsonlRecordReader r = new JsonlRecordReader(new ByteArrayInputStream(bytes), "data.jsonl", gzip,
                JsonCodec.mapper())) {
            while (r.hasNext()) {
                out.add(r.next());
            }
        }
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(b)) {
            gz.write(raw);
        }
        return b.toByteArray();
    }

    @Test
    void readsObjectsSkippingBlankLinesAndAcceptsPythonNaN() {
        List<ObjectNode> rs = readAll(utf8("{\"a\": 1}\n\n   \n{\"b\": NaN, \"c\": \"é👋\"}\n"), false);
        assertEquals(2, rs.size());
        assertTrue(Double.isNaN(rs.get(1).get("b").doubleValue()));
        assertEquals("é👋", rs.get(1).get("c").asText());
    }

    @Test
    void aByteOrderMarkAndWindowsLineEndsAreAccepted() {
        List<ObjectNode> rs = readAll(utf8("\uFEFF{\"a\": 1}\r\n{\"a\": 2}\r\n"), false);
        assertEquals(2, rs.size());
        assertEquals(2, rs.get(1).get("a").asInt());
    }

    @Test
    void malformedJsonNamesFileLineAndColumn() {
        DataException e = assertThrows(DataException.class,
                () -> readAll(utf8("{\"a\": 1}\n{\"a\": 1,, }\n"), false));
        assertTrue(e.getMessage().startsWith("data.jsonl, line 2, column"), e.getMessage());
        assertTrue(e.getMessage().contains("malformed JSON"), e.getMessage());
        assertEquals(3, e.exitCode());
    }

    @Test
    void aLineThatIsNotAnObjectIsAnError() {
        DataException e = assertThrows(DataException.class, () -> readAll(utf8("[1, 2]\n"), false));
        assertEquals("data.jsonl, line 1: expected a JSON object, got array", e.getMessage());
    }

    @Test
    void duplicateKeysAndTrailingTokensAreErrors() {
        assertTrue(assertThrows(DataException.class, () -> readAll(utf8("{\"a\": 1, \"a\": 2}\n"), false))
                .getMessage().contains("Duplicate field 'a'"));
        assertTrue(assertThrows(DataException.class, () -> readAll(utf8("{\"a\": 1} {\"b\": 2}\n"), false))
                .getMessage().startsWith("data.jsonl, line 1"));
    }

    @Test
    void truncatedGzipIsAClearError() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            sb.append("{\"prompt\": \"p").append(i).append("\", \"chosen\": \"a\", \"rejected\": \"b\"}\n");
        }
        byte[] full = gzip(utf8(sb.toString()));
        byte[] cut = Arrays.copyOf(full, full.length / 2);
        DataException e = assertThrows(DataException.class, () -> readAll(cut, true));
        assertTrue(e.getMessage().contains("gzip stream ends early"), e.getMessage());
        assertEquals(2000, readAll(full, true).size());
    }

    @Test
    void notGzipAtAllIsAClearError() {
        DataException e = assertThrows(DataException.class, () -> readAll(utf8("{\"a\":1}\n"), true));
        assertTrue(e.getMessage().startsWith("data.jsonl: not a gzip file"), e.getMessage());
    }

    @Test
    void invalidUtf8IsAnErrorNotReplacementCharacters() {
        byte[] bad = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}', '\n'};
        DataException e = assertThrows(DataException.class, () -> readAll(bad, false));
        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
    }

    @Test
    void afterAReadErrorTheReaderStops() throws IOException {
        byte[] full = gzip(utf8("{\"a\":1}\n".repeat(5000)));
        byte[] cut = Arrays.copyOf(full, full.length - 20);
        try (JsonlRecordReader r = new JsonlRecordReader(new ByteArrayInputStream(cut), "x", true, JsonCodec.mapper())) {
            assertThrows(DataException.class, () -> {
                while (r.hasNext()) {
                    r.next();
                }
            });
            assertFalse(r.hasNext());
        }
    }
}

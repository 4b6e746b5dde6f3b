package dev.prefloop.core.data.jsonl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.RecordReader;
import dev.prefloop.core.error.DataException;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.NoSuchElementException;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * JsonlRecordReader streams JSON Lines, one object per line (blank lines skipped), from a plain or
 * gzip-compressed stream; errors name the source and line.
 */
public final class JsonlRecordReader implements RecordReader {

    private final String name;
    private final BufferedReader lines;
    private final ObjectMapper json;
    private long lineNumber;
    private long recordLine;
    private ObjectNode pending;
    private boolean broken;

    /**
     * Reads from {@code in}, named {@code name} in messages; gunzips when {@code gzip}.
     * The reader owns the stream and closes it.
     */
    public JsonlRecordReader(InputStream in, String name, boolean gzip, ObjectMapper json) {
        this.name = name;
        this.json = json;
        try {
            InputStream raw = gzip ? new GZIPInputStream(in, 1 << 16) : in;
            // Invalid UTF-8 is an error, not silently replaced text.
            CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            this.lines = new BufferedReader(new InputStreamReader(raw, utf8), 1 << 16);
        } catch (IOException e) {
            closeQuietly(in);
            throw new DataException(name + ": not a gzip file (" + e.getMessage() + "); name plain JSON Lines"
                    + " files .jsonl and gzip-compressed ones .jsonl.gz", e);
        }
    }

    @Override
    public boolean hasNext() {
        if (pending != null) {
            return true;
        }
        if (broken) {
            return false; // after a read error the rest of the stream cannot be trusted
        }
        String line;
        while ((line = readLine()) != null) {
            lineNumber++;
            if (lineNumber == 1 && line.startsWith("\uFEFF")) {
                line = line.substring(1); // a UTF-8 byte order mark, as some Windows tools write
            }
            if (line.isBlank()) {
                continue;
            }
            pending = parse(line);
            recordLine = lineNumber;
            return true;
        }
        return false;
    }

    private String readLine() {
        try {
            return lines.readLine();
        } catch (IOException e) {
            broken = true;
            throw readError(e);
        }
    }

    private DataException readError(IOException err) {
        try {
            throw err;
        } catch (EOFException e) {
            return new DataException(name + ", line " + (lineNumber + 1)
                    + ": the gzip stream ends early (truncated file?)", e);
        } catch (ZipException e) {
            return new DataException(name + ", line " + (lineNumber + 1) + ": corrupt gzip data: " + e.getMessage(), e);
        } catch (java.nio.charset.CharacterCodingException e) {
            return new DataException(name + ", line " + (lineNumber + 1) + ": not valid UTF-8 text", e);
        } catch (IOException e) {
            return new DataException(name + ", line " + (lineNumber + 1) + ": cannot read: " + e.getMessage(), e);
        }
    }

    private ObjectNode parse(String line) {
        JsonNode node;
        try {
            node = json.readTree(line);
        } catch (JsonProcessingException e) {
            long col = e.getLocation() == null ? -1 : e.getLocation().getColumnNr();
            throw new DataException(name + ", line " + lineNumber + (col > 0 ? ", column " + col : "")
                    + ": malformed JSON: " + e.getOriginalMessage());
        }
        if (!(node instanceof ObjectNode obj)) {
            throw new DataException(name + ", line " + lineNumber + ": expected a JSON object, got "
                    + (node == null ? "nothing" : node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT)));
        }
        return obj;
    }

    @Override
    public ObjectNode next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        ObjectNode r = pending;
        pending = null;
        return r;
    }

    @Override
    public String location() {
        return name + ", line " + recordLine;
    }

    @Override
    public void close() {
        closeQuietly(lines);
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // read-only source: nothing to lose
        }
    }
}

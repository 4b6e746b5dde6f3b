package dev.prefloop.core.data.jsonl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.zip.GZIPOutputStream;

/** JsonlRecordWriter writes records as JSON Lines (UTF-8, one object per line), optionally gzipped. */
public final class JsonlRecordWriter implements AutoCloseable {

    private final OutputStream out;
    private final ObjectMapper json;
    private final boolean closeTarget;

    /** Writes to {@code target}; closes it at the end only when {@code closeTarget} (not for stdout). */
    public JsonlRecordWriter(OutputStream target, boolean gzip, boolean closeTarget, ObjectMapper json) {
        this.json = json;
        this.closeTarget = closeTarget;
        try {
            OutputStream o = new BufferedOutputStream(target, 1 << 16);
            this.out = gzip ? new GZIPOutputStream(o, 1 << 16) : o;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Appends one record and a newline. */
    public void write(ObjectNode record) {
        try {
            out.write(json.writeValueAsBytes(record));
            out.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            if (out instanceof GZIPOutputStream gz) {
                gz.finish();
            }
            out.flush();
            if (closeTarget) {
                out.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

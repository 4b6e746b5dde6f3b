package dev.prefloop.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.prefloop.core.data.JsonCodec;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/** JsonMixin holds {@code --json}: a one-line JSON summary of the result on stdout. */
public final class JsonMixin {

    @Option(names = "--json", description = "Print a one-line JSON summary of the result on stdout.")
    boolean json;

    /** Prints {@code summary} as one JSON line when --json was given. */
    void print(PrintWriter out, Object summary) {
        if (!json) {
            return;
        }
        try {
            out.println(JsonCodec.mapper().writeValueAsString(summary));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        out.flush();
    }
}

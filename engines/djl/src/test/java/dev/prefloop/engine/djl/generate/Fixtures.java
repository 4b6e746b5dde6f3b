package dev.prefloop.engine.djl.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Fixture paths and the real (unpadded) token rows of hf-parity's expected.json. */
final class Fixtures {

    static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {}

    static Path dir(String name) {
        try {
            return Path.of(Fixtures.class.getResource("/hf-parity/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode expected(Path dir) throws IOException {
        return JSON.readTree(dir.resolve("expected.json").toFile());
    }

    /** Each row's real tokens, pads stripped. */
    static List<long[]> realRows(JsonNode exp) {
        List<long[]> rows = new ArrayList<>();
        for (int r = 0; r < exp.get("input_ids").size(); r++) {
            JsonNode ids = exp.get("input_ids").get(r);
            int pad = exp.get("num_left_pad").get(r).asInt();
            long[] row = new long[ids.size() - pad];
            for (int c = pad; c < ids.size(); c++) {
                row[c - pad] = ids.get(c).asLong();
            }
            rows.add(row);
        }
        return rows;
    }

    static long[] longs(JsonNode row) {
        long[] out = new long[row.size()];
        Arrays.setAll(out, i -> row.get(i).asLong());
        return out;
    }
}

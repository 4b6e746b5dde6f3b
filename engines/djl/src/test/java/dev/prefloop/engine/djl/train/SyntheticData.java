package dev.prefloop.engine.djl.train;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.JsonCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * SyntheticData makes token-id records where the right completion follows a rule the model can learn: each
 * completion token is the prompt's token at the same position plus one (tokens 3..46, so 47 is the largest).
 */
final class SyntheticData {

    private SyntheticData() {}

    static long[] prompt(Random r) {
        long[] p = new long[3 + r.nextInt(3)];
        for (int i = 0; i < p.length; i++) {
            p[i] = 3 + r.nextInt(43);
        }
        return p;
    }

    static long[] follow(long[] prompt) {
        long[] c = new long[3];
        for (int i = 0; i < c.length; i++) {
            c[i] = prompt[i] + 1;
        }
        return c;
    }

    static long[] random(Random r, long[] avoid) {
        long[] c = new long[3];
        do {
            for (int i = 0; i < c.length; i++) {
                c[i] = 3 + r.nextInt(44);
            }
        } while (java.util.Arrays.equals(c, avoid));
        return c;
    }

    static List<TokenizedPair> pairs(int n, long seed) {
        Random r = new Random(seed);
        List<TokenizedPair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long[] p = prompt(r);
            long[] chosen = follow(p);
            out.add(new TokenizedPair(p, chosen, random(r, chosen), Double.NaN, Double.NaN));
        }
        return out;
    }

    static Path writePairs(Path file, List<TokenizedPair> pairs) {
        StringBuilder s = new StringBuilder();
        for (TokenizedPair p : pairs) {
            ObjectNode o = JsonCodec.mapper().createObjectNode();
            ids(o.putArray("prompt_ids"), p.prompt());
            ids(o.putArray("chosen_ids"), p.chosen());
            ids(o.putArray("rejected_ids"), p.rejected());
            if (p.source() != null) {
                o.put("generator_chosen", p.source().chosen());
                o.put("generator_rejected", p.source().rejected());
            }
            s.append(o).append('\n');
        }
        return write(file, s.toString());
    }

    static Path writeCompletions(Path file, int n, long seed) {
        Random r = new Random(seed);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            long[] p = prompt(r);
            ObjectNode o = JsonCodec.mapper().createObjectNode();
            ids(o.putArray("prompt_ids"), p);
            ids(o.putArray("completion_ids"), follow(p));
            s.append(o).append('\n');
        }
        return write(file, s.toString());
    }

    static Path write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private static void ids(ArrayNode a, long[] ids) {
        for (long id : ids) {
            a.add(id);
        }
    }
}

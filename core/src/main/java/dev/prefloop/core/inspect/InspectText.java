package dev.prefloop.core.inspect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.JsonCodec;
import java.util.Locale;
import java.util.Map;

/** InspectText renders an {@link InspectReport} for people: aligned sections, samples cut to one line each. */
public final class InspectText {

    private static final int SAMPLE_WIDTH = 160;

    private InspectText() {}

    /** The report as text. */
    public static String render(InspectReport r) {
        StringBuilder b = new StringBuilder();
        b.append("records   ").append(r.records()).append(" in ").append(r.shards().size()).append(" shard(s)\n");
        for (InspectReport.ShardCount s : r.shards()) {
            b.append("  ").append(s.path()).append("  ").append(s.format()).append("  ").append(s.records()).append('\n');
        }
        b.append("kind      ");
        if (r.kinds().isEmpty()) {
            b.append("-");
        }
        r.kinds().forEach((k, v) -> b.append(k).append(' ').append(v).append("  "));
        b.append("\nshape     ").append(r.shape()).append("\n\nschema\n");
        int w = r.schema().keySet().stream().mapToInt(String::length).max().orElse(5);
        r.schema().forEach((k, v) -> {
            b.append("  ").append(pad(k, w)).append("  ");
            b.append(String.format(Locale.ROOT, "%6.1f%%  ", 100.0 * v.present() / Math.max(1, r.records())));
            v.types().forEach((t, n) -> b.append(t).append(v.types().size() > 1 ? " (" + n + ") " : " "));
            b.append('\n');
        });
        if (!r.lengths().isEmpty()) {
            b.append("\nlengths (characters of texts and message contents; tokens of *_ids; count of completions)\n");
            int lw = r.lengths().keySet().stream().mapToInt(String::length).max().orElse(5);
            b.append("  ").append(pad("field", lw)).append(String.format(Locale.ROOT, "  %8s %8s %10s %8s %8s %8s%n",
                    "count", "min", "mean", "p50", "p95", "max"));
            for (Map.Entry<String, LengthStats.Summary> e : r.lengths().entrySet()) {
                LengthStats.Summary s = e.getValue();
                b.append("  ").append(pad(e.getKey(), lw)).append(String.format(Locale.ROOT,
                        "  %8d %8d %10.1f %8d %8d %8d%n", s.count(), s.min(), s.mean(), s.p50(), s.p95(), s.max()));
            }
        }
        if (!r.samples().isEmpty()) {
            b.append("\nsamples\n");
            for (ObjectNode s : r.samples()) {
                b.append("  ").append(oneLine(s)).append('\n');
            }
        }
        b.append("\nproblems  ").append(r.errors()).append(" error(s), ").append(r.warnings()).append(" warning(s)\n");
        r.problemCounts().forEach((k, v) -> b.append("  ").append(v).append(" x ").append(k).append('\n'));
        for (String p : r.problems()) {
            b.append("  ").append(p).append('\n');
        }
        if (r.problems().size() < r.errors() + r.warnings()) {
            b.append("  ... (").append(r.errors() + r.warnings() - r.problems().size())
                    .append(" more; --max-problems shows more)\n");
        }
        return b.toString();
    }

    private static String oneLine(ObjectNode s) {
        String text;
        try {
            text = JsonCodec.mapper().writeValueAsString(s);
        } catch (JsonProcessingException e) {
            text = s.toString();
        }
        return text.length() <= SAMPLE_WIDTH ? text : text.substring(0, SAMPLE_WIDTH - 3) + "...";
    }

    private static String pad(String s, int w) {
        return s + " ".repeat(Math.max(0, w - s.length()));
    }
}

package dev.prefloop.engine.djl.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.JsonCodec;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * MetricsLog writes {@code metrics.jsonl}: one line per logging window, every value averaged over the window's
 * steps under TRL's names (loss, learning_rate, grad_norm, rewards/..., logps/...), plus step, epoch and
 * tokens_per_second. The same lines are trainer_state.json's log_history.
 */
public final class MetricsLog {

    /** The file's name inside the output directory. */
    public static final String FILE = "metrics.jsonl";

    private final Path file;
    private final ObjectMapper json = JsonCodec.mapper();
    private final List<ObjectNode> history = new ArrayList<>();
    private final Map<String, Double> sums = new LinkedHashMap<>();
    private int steps;
    private long tokens;
    private double seconds;

    /** A log at {@code OUT/metrics.jsonl}; an existing file is kept up to {@code keepThroughStep} (0: emptied). */
    public MetricsLog(Path outDir, long keepThroughStep) {
        this.file = outDir.resolve(FILE);
        try {
            if (Files.exists(file)) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        ObjectNode o = (ObjectNode) json.readTree(line);
                        if (o.path("step").asLong() <= keepThroughStep) {
                            history.add(o);
                        }
                    }
                }
            }
            StringBuilder s = new StringBuilder();
            for (ObjectNode o : history) {
                s.append(json.writeValueAsString(o)).append('\n');
            }
            Files.writeString(file, s.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rewrite " + file, e);
        }
    }

    /** Adds one step's values to the window. */
    public void add(Map<String, Double> values, long stepTokens, double stepSeconds) {
        values.forEach((k, v) -> sums.merge(k, v, Double::sum));
        steps++;
        tokens += stepTokens;
        seconds += stepSeconds;
    }

    /** Whether the window holds any step. */
    public boolean pending() {
        return steps > 0;
    }

    /** Writes the window's averages as the line of {@code step} and starts a new window. */
    public ObjectNode flush(long step, double epoch, double learningRate) {
        ObjectNode o = json.createObjectNode();
        o.put("step", step);
        o.put("epoch", epoch);
        Double loss = sums.remove("loss");
        if (loss != null) {
            o.put("loss", loss / steps);
        }
        o.put("learning_rate", learningRate);
        o.put("lr", learningRate);
        sums.forEach((k, v) -> o.put(k, v / steps));
        o.put("tokens_per_second", seconds > 0 ? tokens / seconds : 0.0);
        o.put("num_tokens_window", tokens);
        history.add(o);
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND)) {
            w.write(json.writeValueAsString(o));
            w.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
        sums.clear();
        steps = 0;
        tokens = 0;
        seconds = 0;
        return o;
    }

    /** The lines written so far, as trainer_state.json's log_history. */
    public ArrayNode history() {
        ArrayNode a = json.createArrayNode();
        history.forEach(a::add);
        return a;
    }

    /** The last line written, or null. */
    public JsonNode last() {
        return history.isEmpty() ? null : history.get(history.size() - 1);
    }
}

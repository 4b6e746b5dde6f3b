package dev.prefloop.core.label;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.data.SliceSpec;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalDouble;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * VerdictJournal is a labelling run's record of the judge's answers, a hidden JSON Lines file in
 * the output directory ({@code .label-journal.jsonl}, one per slice), appended after every batch
 * the judge answered whole. {@code --resume} reads it back so an interrupted run asks the judge
 * nothing it already answered; a committed run deletes it. Keys hash the judge's identity and
 * the request's content, so a journal of another judge or other data matches nothing.
 */
final class VerdictJournal implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(VerdictJournal.class);

    private final Path file;
    private final Map<String, Double> known = new HashMap<>();
    private final ObjectMapper json = JsonCodec.mapper();
    private BufferedWriter out;

    private VerdictJournal(Path file) {
        this.file = file;
    }

    /** The journal's path for a slice's output in {@code dir}. */
    static Path path(Path dir, SliceSpec slice) {
        return dir.resolve(slice.isAll() ? ".label-journal.jsonl" : ".label-journal." + slice.tag() + ".jsonl");
    }

    /** Opens the journal: with {@code resume} an earlier one is read, else it is started afresh. */
    static VerdictJournal open(Path dir, SliceSpec slice, boolean resume) {
        VerdictJournal j = new VerdictJournal(path(dir, slice));
        try {
            if (Files.exists(j.file)) {
                if (resume) {
                    j.load();
                    LOG.info("resuming: {} judge answers from {}", j.known.size(), j.file);
                } else {
                    LOG.info("{} holds an interrupted run's answers; starting afresh (--resume reuses them)", j.file);
                    Files.delete(j.file);
                }
            }
            Files.createDirectories(dir);
            j.out = Files.newBufferedWriter(j.file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the label journal " + j.file, e);
        }
        return j;
    }

    private void load() throws IOException {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            try {
                JsonNode n = json.readTree(line);
                known.put(n.get("k").asText(), n.get("v").asDouble());
            } catch (IOException | RuntimeException e) {
                // a line cut short by the interruption: that answer is asked again
                LOG.debug("skipping a damaged journal line in {}", file);
            }
        }
    }

    /** The journaled answer to a request key. */
    OptionalDouble get(String key) {
        Double v = known.get(key);
        return v == null ? OptionalDouble.empty() : OptionalDouble.of(v);
    }

    /** Appends a batch's answers and flushes them to the file. */
    void append(Map<String, Double> answers) {
        try {
            for (Map.Entry<String, Double> e : answers.entrySet()) {
                ObjectNode n = json.createObjectNode();
                n.put("k", e.getKey());
                n.put("v", e.getValue());
                out.write(json.writeValueAsString(n));
                out.write('\n');
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the label journal " + file, e);
        }
        known.putAll(answers);
    }

    /** Closes the file; a journal that holds no answer is removed, so a run that failed at once leaves nothing. */
    @Override
    public void close() {
        if (out == null) {
            return;
        }
        try {
            out.close();
            out = null;
            if (Files.size(file) == 0) {
                Files.delete(file);
            }
        } catch (IOException e) {
            // the answers were flushed batch by batch already
        }
    }

    /** Removes the journal once the run's output is committed. */
    void delete() {
        close();
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("cannot delete the label journal {}: {}", file, e.getMessage());
        }
    }
}

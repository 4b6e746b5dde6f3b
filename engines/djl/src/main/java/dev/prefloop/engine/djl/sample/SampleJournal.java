package dev.prefloop.engine.djl.sample;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.data.SliceSpec;
import dev.prefloop.core.error.UsageException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SampleJournal is a sampling run's finished output records, a hidden JSON Lines file in the
 * output directory ({@code .sample-journal.jsonl}, one per slice) appended after every group of
 * prompts, as label's verdict journal is. {@code --resume} reads it back so an interrupted run
 * samples no prompt twice; a committed run deletes it. Its first line names the run (inputs,
 * models and options), so a journal of another run is refused instead of mixed in.
 */
final class SampleJournal implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SampleJournal.class);

    private final Path file;
    private final String run;
    private final Map<String, String> done = new HashMap<>();
    private final ObjectMapper json = JsonCodec.mapper();
    private BufferedWriter out;

    private SampleJournal(Path file, String run) {
        this.file = file;
        this.run = run;
    }

    /** The journal's path for a slice's output in {@code dir}. */
    static Path path(Path dir, SliceSpec slice) {
        return dir.resolve(slice.isAll() ? ".sample-journal.jsonl" : ".sample-journal." + slice.tag() + ".jsonl");
    }

    /** Opens the journal of run {@code run}: with {@code resume} an earlier one is read, else started afresh. */
    static SampleJournal open(Path dir, SliceSpec slice, String run, boolean resume) {
        SampleJournal j = new SampleJournal(path(dir, slice), run);
        try {
            boolean fresh = true;
            if (Files.exists(j.file)) {
                if (resume) {
                    j.load();
                    fresh = false;
                    LOG.info("resuming: {} prompts already sampled in {}", j.done.size(), j.file);
                } else {
                    LOG.info("{} holds an interrupted run's samples; starting afresh (--resume reuses them)", j.file);
                    Files.delete(j.file);
                }
            }
            Files.createDirectories(dir);
            j.out = Files.newBufferedWriter(j.file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            if (fresh) {
                ObjectNode header = j.json.createObjectNode();
                header.put("run", run);
                j.out.write(j.json.writeValueAsString(header));
                j.out.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the sample journal " + j.file, e);
        }
        return j;
    }

    private void load() throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        String header = lines.isEmpty() ? null : json.readTree(lines.get(0)).path("run").asText(null);
        if (!run.equals(header)) {
            throw new UsageException("--resume: " + file + " belongs to a run with other inputs, models or options;"
                    + " rerun without --resume to start afresh");
        }
        for (String line : lines.subList(1, lines.size())) {
            try {
                JsonNode n = json.readTree(line);
                done.put(n.get("k").asText(), json.writeValueAsString(n.get("v")));
            } catch (IOException | RuntimeException e) {
                // a line cut short by the interruption: that prompt is sampled again
                LOG.debug("skipping a damaged journal line in {}", file);
            }
        }
    }

    /** The journaled output record of a prompt id, parsed afresh, or null. */
    ObjectNode get(String id) {
        String v = done.get(id);
        if (v == null) {
            return null;
        }
        try {
            return (ObjectNode) json.readTree(v);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Appends a group's output records, keyed by prompt id, and flushes them to the file. */
    void append(Map<String, ObjectNode> records) {
        try {
            for (Map.Entry<String, ObjectNode> e : records.entrySet()) {
                ObjectNode n = json.createObjectNode();
                n.put("k", e.getKey());
                n.set("v", e.getValue());
                out.write(json.writeValueAsString(n));
                out.write('\n');
                done.put(e.getKey(), json.writeValueAsString(e.getValue()));
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the sample journal " + file, e);
        }
    }

    /** Closes the file; a journal with no sampled prompt is removed, so a run that failed at once leaves nothing. */
    @Override
    public void close() {
        if (out == null) {
            return;
        }
        try {
            out.close();
            out = null;
            if (done.isEmpty()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            // the records were flushed group by group already
        }
    }

    /** Removes the journal once the run's output is committed. */
    void delete() {
        close();
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("cannot delete the sample journal {}: {}", file, e.getMessage());
        }
    }
}

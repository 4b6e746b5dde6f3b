package dev.prefloop.engine.djl.train;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** SkippedRecords counts the records training leaves out, by reason, and logs the first few locations. */
public final class SkippedRecords {

    private static final Logger LOG = LoggerFactory.getLogger(SkippedRecords.class);
    private static final int LOGGED = 5;

    private final Map<Truncation.Skip, Long> counts = new EnumMap<>(Truncation.Skip.class);
    private long logged;

    /** Counts one skipped record. */
    public void skip(Truncation.Skip reason, String location) {
        counts.merge(reason, 1L, Long::sum);
        if (logged++ < LOGGED) {
            LOG.warn("{}: skipped: {}", location, reason.text());
        }
    }

    /** The count of one reason. */
    public long count(Truncation.Skip reason) {
        return counts.getOrDefault(reason, 0L);
    }

    /** All skipped records. */
    public long total() {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Reason text to count, for summaries. */
    public Map<String, Long> byReason() {
        Map<String, Long> m = new LinkedHashMap<>();
        counts.forEach((k, v) -> m.put(k.text(), v));
        return m;
    }
}

package dev.prefloop.cli;

import dev.prefloop.engine.djl.train.TrainResult;
import java.util.LinkedHashMap;
import java.util.Map;

/** TrainingSummary is the one-line {@code --json} result of train and sft. */
final class TrainingSummary {

    private TrainingSummary() {}

    static Map<String, Object> of(String verb, TrainResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("verb", verb);
        m.put("status", r.upToDate() ? "up-to-date" : "done");
        m.put("out", r.out().toString());
        m.put("steps", r.steps());
        m.put("skipped_steps", r.skippedSteps());
        m.put("loss", Double.isNaN(r.lastLoss()) ? null : r.lastLoss());
        m.put("skipped_records", r.skippedRecords());
        m.put("tokens", r.tokens());
        m.put("seconds", r.seconds());
        m.put("peak_rss_mib", r.peakRssBytes() < 0 ? null : r.peakRssBytes() >> 20);
        return m;
    }
}

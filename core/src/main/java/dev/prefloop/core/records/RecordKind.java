package dev.prefloop.core.records;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.Optional;

/** RecordKind is one of DESIGN.md's record kinds, with TRL's field names. */
public enum RecordKind {
    /** {@code prompt} (string or message list) or {@code prompt_ids}. */
    PROMPT,
    /** {@code prompt} + {@code completion}, or {@code messages}. */
    SFT,
    /** {@code prompt} + {@code completions} (+ ids, generators, log-probabilities). */
    CANDIDATES,
    /** {@code chosen} + {@code rejected} (+ optional prompt, scores, reference log-probabilities). */
    PREFERENCE;

    /** The lower-case name used on the command line and in reports. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The kind a record's fields say it is, or empty when it has none of the telling fields. */
    public static Optional<RecordKind> detect(JsonNode r) {
        if (r.has("chosen") || r.has("rejected") || r.has("chosen_ids") || r.has("rejected_ids")) {
            return Optional.of(PREFERENCE);
        }
        if (r.has("completions") || r.has("completions_ids")) {
            return Optional.of(CANDIDATES);
        }
        if (r.has("completion") || r.has("messages") || r.has("completion_ids")) {
            return Optional.of(SFT);
        }
        if (r.has("prompt") || r.has("prompt_ids")) {
            return Optional.of(PROMPT);
        }
        return Optional.empty();
    }

    /** Parses a command-line name. */
    public static RecordKind parse(String s) {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
    }
}

package dev.prefloop.core.label;

import java.util.List;

/**
 * LabelResult says what a label run did: records read, pairs written, ties skipped, judge
 * requests asked and reused from the journal, shards.
 */
public record LabelResult(boolean upToDate, long records, long pairs, long ties, long asked, long reused,
        List<String> shards, double seconds) {}

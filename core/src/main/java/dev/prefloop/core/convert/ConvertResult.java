package dev.prefloop.core.convert;

import java.util.List;
import java.util.Map;

/** ConvertResult says what a convert run did: how many records, which shards, which warnings. */
public record ConvertResult(boolean upToDate, String kind, long records, List<String> shards,
        Map<String, Long> warnings, double seconds) {}

package dev.prefloop.core.inspect;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/** InspectReport is what {@code prefloop inspect} found in a dataset. */
public record InspectReport(
        @JsonProperty("shards") List<ShardCount> shards,
        @JsonProperty("records") long records,
        @JsonProperty("kinds") Map<String, Long> kinds,
        @JsonProperty("shape") String shape,
        @JsonProperty("schema") Map<String, FieldSummary> schema,
        @JsonProperty("lengths") Map<String, LengthStats.Summary> lengths,
        @JsonProperty("samples") List<ObjectNode> samples,
        @JsonProperty("errors") long errors,
        @JsonProperty("warnings") long warnings,
        @JsonProperty("problems") List<String> problems,
        @JsonProperty("problem_counts") Map<String, Long> problemCounts) {

    /** Records per shard file. */
    public record ShardCount(@JsonProperty("path") String path, @JsonProperty("format") String format,
            @JsonProperty("records") long records) {}

    /** How often a top-level field appears and with which JSON types. */
    public record FieldSummary(@JsonProperty("present") long present, @JsonProperty("types") Map<String, Long> types) {}
}

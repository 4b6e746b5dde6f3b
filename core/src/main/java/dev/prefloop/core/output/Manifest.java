package dev.prefloop.core.output;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Manifest is {@code _manifest.json}, written last into an output directory: what produced it
 * (verb, version, resolved options, input and model fingerprints, seed, slice) and what it holds
 * (shards, record counts, warnings, timings). Two runs with the same {@link #identity()} produce
 * the same output, which makes reruns no-ops.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Manifest(
        @JsonProperty("verb") String verb,
        @JsonProperty("prefloop_version") String prefloopVersion,
        @JsonProperty("options") Map<String, Object> options,
        @JsonProperty("inputs") List<FileFingerprint> inputs,
        @JsonProperty("models") List<FileFingerprint> models,
        @JsonProperty("seed") Long seed,
        @JsonProperty("slice") String slice,
        @JsonProperty("shards") List<String> shards,
        @JsonProperty("records") Long records,
        @JsonProperty("counts") Map<String, Long> counts,
        @JsonProperty("warnings") List<String> warnings,
        @JsonProperty("started_at") String startedAt,
        @JsonProperty("finished_at") String finishedAt,
        @JsonProperty("seconds") Double seconds) {

    /** A manifest of what a run will be, before it has output. */
    public static Manifest planned(String verb, String version, Map<String, Object> options, List<FileFingerprint> inputs,
            List<FileFingerprint> models, Long seed, String slice) {
        return new Manifest(verb, version, options, inputs, models, seed, slice, null, null, null, null, null, null, null);
    }

    /** The fields that decide whether a rerun would produce the same output. */
    public List<Object> identity() {
        return java.util.Arrays.asList(verb, prefloopVersion, options, inputs, models, seed, slice);
    }

    /** Whether an earlier run's manifest describes the same run. */
    public boolean sameRunAs(Manifest other) {
        return other != null && Objects.equals(
                Manifests.normalise(identity()), Manifests.normalise(other.identity()));
    }

    /** This manifest with what was written. */
    public Manifest withShards(List<String> shardNames, long recordCount) {
        return new Manifest(verb, prefloopVersion, options, inputs, models, seed, slice, List.copyOf(shardNames),
                recordCount, counts, warnings, startedAt, finishedAt, seconds);
    }

    /** This manifest with counts, warnings and timings of the finished run. */
    public Manifest withResults(Map<String, Long> counts, List<String> warnings, String startedAt, String finishedAt,
            double seconds) {
        return new Manifest(verb, prefloopVersion, options, inputs, models, seed, slice, shards, records, counts,
                warnings, startedAt, finishedAt, seconds);
    }
}

package dev.prefloop.core.inspect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.DatasetLocator;
import dev.prefloop.core.data.DatasetReader;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.data.RecordReader;
import dev.prefloop.core.data.Shard;
import dev.prefloop.core.error.DataException;
import dev.prefloop.core.progress.Progress;
import dev.prefloop.core.records.Problem;
import dev.prefloop.core.records.RecordChecker;
import dev.prefloop.core.records.RecordKind;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * InspectService reads a whole dataset and reports its record kinds, schema, counts, length
 * statistics, sample rows and every problem found; unlike other verbs it keeps going past bad
 * records so that one run shows them all.
 */
public final class InspectService {

    /** Fields whose lengths are reported: characters for texts, messages for lists, tokens for ids. */
    private static final List<String> LENGTH_FIELDS = List.of("prompt", "completion", "chosen", "rejected",
            "messages", "completions", "prompt_ids", "completion_ids", "chosen_ids", "rejected_ids", "completions_ids");

    private final Progress progress;

    public InspectService(Progress progress) {
        this.progress = progress;
    }

    /** Inspects {@code input}, keeping {@code samples} sample rows and listing up to {@code maxProblems} problems. */
    public InspectReport run(String input, int samples, int maxProblems) {
        List<Shard> shards = DatasetLocator.locate(input);
        Scan scan = new Scan(samples, maxProblems);
        progress.start("inspect", "records", -1);
        try {
            for (Shard shard : shards) {
                long before = scan.records;
                try (RecordReader in = DatasetReader.open(shard, JsonCodec.mapper())) {
                    while (true) {
                        try {
                            if (!in.hasNext()) {
                                break;
                            }
                            scan.add(in.next(), in.location());
                        } catch (DataException e) {
                            scan.problem(Problem.Severity.ERROR, e.getMessage(), "unreadable record");
                        }
                        progress.advance(1);
                    }
                } catch (DataException e) {
                    scan.problem(Problem.Severity.ERROR, e.getMessage(), "unreadable file");
                }
                scan.shards.add(new InspectReport.ShardCount(shard.displayName(), shard.format().extension().substring(1), scan.records - before));
            }
        } finally {
            progress.finish();
        }
        return scan.report();
    }

    /** The running state of one inspection. */
    private static final class Scan {
        final int samples;
        final int maxProblems;
        final List<InspectReport.ShardCount> shards = new ArrayList<>();
        final Map<String, Long> kinds = new TreeMap<>();
        final Map<String, Map<String, Long>> types = new LinkedHashMap<>();
        final Map<String, Long> present = new LinkedHashMap<>();
        final Map<String, LengthStats> lengths = new LinkedHashMap<>();
        final List<ObjectNode> sampleRows = new ArrayList<>();
        final List<String> problems = new ArrayList<>();
        final Map<String, Long> problemCounts = new TreeMap<>();
        long records;
        long errors;
        long warnings;
        boolean standard;
        boolean conversational;
        boolean tokenized;

        Scan(int samples, int maxProblems) {
            this.samples = samples;
            this.maxProblems = maxProblems;
        }

        void add(ObjectNode r, String where) {
            records++;
            if (sampleRows.size() < samples) {
                sampleRows.add(r);
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = r.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                present.merge(e.getKey(), 1L, Long::sum);
                types.computeIfAbsent(e.getKey(), k -> new TreeMap<>()).merge(typeName(e.getValue()), 1L, Long::sum);
            }
            for (String f : LENGTH_FIELDS) {
                JsonNode v = r.get(f);
                if (v != null && (v.isTextual() || v.isArray())) {
                    lengths.computeIfAbsent(f, k -> new LengthStats()).add(length(f, v));
                }
            }
            JsonNode shapeField = r.has("chosen") ? r.get("chosen") : r.has("prompt") ? r.get("prompt") : r.get("messages");
            if (shapeField != null) {
                standard |= shapeField.isTextual();
                conversational |= shapeField.isArray();
            }
            tokenized |= r.has("prompt_ids") || r.has("chosen_ids") || r.has("completion_ids") || r.has("completions_ids");
            var kind = RecordKind.detect(r);
            if (kind.isEmpty()) {
                kinds.merge("unknown", 1L, Long::sum);
                return;
            }
            kinds.merge(kind.get().label(), 1L, Long::sum);
            for (Problem p : RecordChecker.check(r, kind.get())) {
                problem(p.severity(), where + ", " + p.describe(), p.message());
            }
        }

        void problem(Problem.Severity severity, String text, String category) {
            if (severity == Problem.Severity.ERROR) {
                errors++;
            } else {
                warnings++;
            }
            problemCounts.merge(severity.name().toLowerCase(java.util.Locale.ROOT) + ": " + category, 1L, Long::sum);
            if (problems.size() < maxProblems) {
                problems.add(severity.name().toLowerCase(java.util.Locale.ROOT) + ": " + text);
            }
        }

        InspectReport report() {
            Map<String, InspectReport.FieldSummary> schema = new LinkedHashMap<>();
            types.forEach((k, v) -> schema.put(k, new InspectReport.FieldSummary(present.get(k), v)));
            Map<String, LengthStats.Summary> lens = new LinkedHashMap<>();
            lengths.forEach((k, v) -> lens.put(k, v.summary()));
            String shape = (standard && conversational ? "mixed standard and conversational"
                    : conversational ? "conversational" : standard ? "standard" : "none")
                    + (tokenized ? ", with token ids" : "");
            return new InspectReport(shards, records, kinds, shape, schema, lens, sampleRows, errors, warnings,
                    problems, problemCounts);
        }

        /** Characters of a text or of a message list's contents; tokens of ids; the count of completions. */
        private static int length(String field, JsonNode v) {
            if (v.isTextual()) {
                return v.asText().length();
            }
            if (field.endsWith("_ids") || field.equals("completions")) {
                return v.size();
            }
            int chars = 0;
            for (JsonNode m : v) {
                JsonNode c = m.get("content");
                chars += c != null && c.isTextual() ? c.asText().length() : 0;
            }
            return chars;
        }

        private static String typeName(JsonNode v) {
            if (v.isTextual()) {
                return "string";
            } else if (v.isIntegralNumber()) {
                return "integer";
            } else if (v.isNumber()) {
                return "float";
            } else if (v.isBoolean()) {
                return "boolean";
            } else if (v.isNull()) {
                return "null";
            } else if (v.isObject()) {
                return "object";
            }
            // A list is named by its first non-null element: [null, 1] is a list of integers.
            for (JsonNode x : v) {
                if (!x.isNull()) {
                    return "list<" + typeName(x) + ">";
                }
            }
            return "list";
        }
    }
}

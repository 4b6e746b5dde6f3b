package dev.prefloop.core.records;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prefloop.core.data.JsonCodec;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RecordCheckerTest {

    private static JsonNode j(String s) throws Exception {
        return JsonCodec.mapper().readTree(s);
    }

    private static List<String> problems(String json, RecordKind kind) throws Exception {
        return RecordChecker.check(j(json), kind).stream()
                .map(p -> p.severity().name().charAt(0) + " " + p.describe()).toList();
    }

    @Test
    void detectsKindsFromTrlFieldNames() throws Exception {
        assertEquals(Optional.of(RecordKind.PREFERENCE), RecordKind.detect(j("{\"chosen_ids\": [1]}")));
        assertEquals(Optional.of(RecordKind.CANDIDATES), RecordKind.detect(j("{\"prompt\": \"p\", \"completions\": []}")));
        assertEquals(Optional.of(RecordKind.SFT), RecordKind.detect(j("{\"messages\": []}")));
        assertEquals(Optional.of(RecordKind.PROMPT), RecordKind.detect(j("{\"prompt\": \"p\"}")));
        assertEquals(Optional.empty(), RecordKind.detect(j("{\"text\": \"p\"}")));
    }

    @Test
    void validRecordsOfEveryShapeHaveNoProblems() throws Exception {
        assertEquals(List.of(), problems("{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\", \"x\": {\"y\": 1}}",
                RecordKind.PREFERENCE));
        assertEquals(List.of(), problems("{\"chosen\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\","
                + " \"content\": \"a\"}], \"rejected\": [{\"role\": \"user\", \"content\": \"q\"}]}", RecordKind.PREFERENCE));
        assertEquals(List.of(), problems("{\"prompt_ids\": [1, 2], \"chosen_ids\": [3], \"rejected_ids\": [4]}",
                RecordKind.PREFERENCE));
        assertEquals(List.of(), problems("{\"messages\": [{\"role\": \"assistant\", \"content\": null, \"tool_calls\": []}]}",
                RecordKind.SFT));
        assertEquals(List.of(), problems("{\"id\": 3, \"prompt\": \"p\", \"completions\": [\"a\", \"b\"],"
                + " \"completions_ids\": [[1], [2]], \"generators\": [\"pi+\", \"pi-\"], \"logps\": [-1.5, -2]}",
                RecordKind.CANDIDATES));
    }

    @Test
    void missingWrongTypeAndEmptyFieldsAreErrorsNamingTheField() throws Exception {
        assertEquals(List.of("E field \"rejected\": missing (expected \"rejected\" or \"rejected_ids\")"),
                problems("{\"prompt\": \"p\", \"chosen\": \"a\"}", RecordKind.PREFERENCE));
        assertEquals(List.of("E field \"chosen\": expected a string or a message list [{role, content}], got a number (3)"),
                problems("{\"chosen\": 3, \"rejected\": \"b\"}", RecordKind.PREFERENCE));
        assertEquals(List.of("E field \"rejected\": expected a non-empty string, got \"\""),
                problems("{\"chosen\": \"a\", \"rejected\": \"\"}", RecordKind.PREFERENCE));
        assertEquals(List.of("E field \"chosen\": expected a non-empty message list, got []"),
                problems("{\"chosen\": [], \"rejected\": \"b\"}", RecordKind.PREFERENCE).subList(0, 1));
        assertEquals(List.of("E field \"chosen_ids\": element 1: expected a non-negative integer token id, got \"x\""),
                problems("{\"chosen_ids\": [1, \"x\"], \"rejected_ids\": [2]}", RecordKind.PREFERENCE));
        assertEquals(List.of("E field \"prompt\": message 0: expected \"role\" to be a string, got nothing"),
                problems("{\"prompt\": [{\"content\": \"hi\"}]}", RecordKind.PROMPT));
    }

    @Test
    void mixingStandardAndConversationalShapesIsAnError() throws Exception {
        List<String> p = problems("{\"prompt\": \"p\", \"chosen\": [{\"role\": \"assistant\", \"content\": \"a\"}],"
                + " \"rejected\": [{\"role\": \"assistant\", \"content\": \"b\"}]}", RecordKind.PREFERENCE);
        assertEquals(1, p.size());
        assertTrue(p.get(0).contains("either standard (strings) or conversational"), p.get(0));
    }

    @Test
    void chosenEqualToRejectedIsAWarningNotAnError() throws Exception {
        assertEquals(List.of("W field \"chosen\": chosen equals rejected: the pair carries no preference"),
                problems("{\"chosen\": \"a\", \"rejected\": \"a\"}", RecordKind.PREFERENCE));
    }

    @Test
    void candidatesListsMustAlign() throws Exception {
        List<String> p = problems("{\"prompt\": \"p\", \"completions\": [\"a\", \"b\"], \"completions_ids\": [[1]],"
                + " \"generators\": [\"pi\", \"other\"]}", RecordKind.CANDIDATES);
        assertEquals(List.of("E field \"completions_ids\": has 1 entries, but the record has 2 completions",
                "E field \"generators\": expected pi, pi+, pi- or ref, got \"other\""), p);
    }
}

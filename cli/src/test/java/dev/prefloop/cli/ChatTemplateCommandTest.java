package dev.prefloop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code prefloop chat-template} on every shared chat-template case, and its bad-input behaviour. */
class ChatTemplateCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The engine's shared cases, rendered by jinja2 with strftime_now pinned to this time. */
    private static final Path CASES = Path.of("../engines/djl/src/test/resources/chat-templates");
    private static final String FIXTURE_NOW = "2025-01-15T09:30:00";

    @TempDir
    Path tmp;

    static Stream<Arguments> sharedCases() throws IOException {
        List<Arguments> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(CASES)) {
            for (Path d : dirs.filter(Files::isDirectory).sorted().toList()) {
                for (JsonNode c : JSON.readTree(d.resolve("cases.json").toFile()).get("cases")) {
                    out.add(Arguments.of(d.getFileName() + "/" + c.get("id").textValue(), d, c));
                }
            }
        }
        return out.stream();
    }

    private Path modelWith(Path caseDir) throws IOException {
        Path model = Files.createDirectories(tmp.resolve("model-" + caseDir.getFileName()));
        Files.copy(caseDir.resolve("template.jinja"), model.resolve("chat_template.jinja"));
        return model;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sharedCases")
    void rendersEverySharedCaseLikeJinja2(String name, Path caseDir, JsonNode c) throws IOException {
        Path context = tmp.resolve("context.json");
        JSON.writeValue(context.toFile(), c.get("context"));
        CliRun r = CliRun.of("chat-template", "--model", modelWith(caseDir).toString(), "--context", context.toString(),
                "--now", FIXTURE_NOW);
        if (c.has("expected_output")) {
            assertEquals(0, r.code(), r.err());
            assertEquals(c.get("expected_output").textValue(), r.out());
        } else {
            assertEquals(3, r.code(), r.out());
            assertTrue(r.err().contains(c.get("expected_error").textValue()), r.err());
            assertEquals("", r.out());
        }
    }

    @Test
    void contextsFileGivesOneJsonLinePerContextWithTextOrError() throws IOException {
        for (Path caseDir : List.of(CASES.resolve("mistral-7b-instruct-v0.3"), CASES.resolve("constructs"))) {
            JsonNode cases = JSON.readTree(caseDir.resolve("cases.json").toFile()).get("cases");
            StringBuilder lines = new StringBuilder();
            for (JsonNode c : cases) {
                lines.append(JSON.writeValueAsString(c.get("context"))).append('\n');
            }
            Path contexts = tmp.resolve(caseDir.getFileName() + ".jsonl");
            Files.writeString(contexts, lines);
            CliRun r = CliRun.of("chat-template", "-m", modelWith(caseDir).toString(), "--contexts",
                    contexts.toString(), "--now", FIXTURE_NOW);
            assertEquals(0, r.code(), r.err());
            String[] out = r.out().split("\n");
            assertEquals(cases.size(), out.length);
            for (int i = 0; i < out.length; i++) {
                JsonNode line = JSON.readTree(out[i]);
                JsonNode want = cases.get(i);
                if (want.has("expected_output")) {
                    assertEquals(want.get("expected_output").textValue(), line.path("text").textValue(), want.toString());
                } else {
                    assertTrue(line.path("error").textValue().endsWith(want.get("expected_error").textValue()), out[i]);
                }
            }
        }
    }

    @Test
    void aContextWithoutMessagesIsAnErrorLineAndAMalformedLineStopsTheRunWithNothingPrinted() throws IOException {
        Path model = modelWith(CASES.resolve("qwen2.5-instruct"));
        Path contexts = tmp.resolve("c.jsonl");
        Files.writeString(contexts, "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}\n{\"tools\": null}\n");
        CliRun r = CliRun.of("chat-template", "-m", model.toString(), "--contexts", contexts.toString());
        assertEquals(0, r.code(), r.err());
        String[] out = r.out().split("\n");
        assertTrue(JSON.readTree(out[0]).has("text"));
        assertEquals("chat context: \"messages\" must be a list of messages, got nothing",
                JSON.readTree(out[1]).get("error").textValue());

        Files.writeString(contexts, "{\"messages\": []}\n{\"messages\": [}\n");
        CliRun bad = CliRun.of("chat-template", "-m", model.toString(), "--contexts", contexts.toString());
        assertEquals(3, bad.code());
        assertTrue(bad.err().contains(contexts + ", line 2"), bad.err());
        assertEquals("", bad.out());
    }

    @Test
    void badUsageAndBadModels() throws IOException {
        Path model = modelWith(CASES.resolve("zephyr-tinyllama"));
        Path context = tmp.resolve("c.json");
        Files.writeString(context, "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}");

        CliRun both = CliRun.of("chat-template", "-m", model.toString(), "--context", context.toString(),
                "--contexts", context.toString());
        assertEquals(2, both.code());
        assertTrue(both.err().contains("mutually exclusive"), both.err());

        CliRun badNow = CliRun.of("chat-template", "-m", model.toString(), "--context", context.toString(),
                "--now", "yesterday");
        assertEquals(2, badNow.code());
        assertTrue(badNow.err().contains("--now yesterday: expected an ISO date-time"), badNow.err());

        CliRun unknown = CliRun.of("chat-template", "-m", model.toString(), "--context", context.toString(),
                "--template", "tool_use");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("--template tool_use: the model has no chat template of that name"),
                unknown.err());

        CliRun missing = CliRun.of("chat-template", "-m", model.toString(), "--context", tmp.resolve("nope.json").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("nope.json: no such file"), missing.err());

        Files.writeString(context, "[1, 2]");
        CliRun notObject = CliRun.of("chat-template", "-m", model.toString(), "--context", context.toString());
        assertEquals(3, notObject.code());
        assertTrue(notObject.err().contains("expected a JSON object"), notObject.err());

        Files.writeString(context, "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}");
        Path noTemplate = Files.createDirectories(tmp.resolve("bare"));
        CliRun none = CliRun.of("chat-template", "-m", noTemplate.toString(), "--context", context.toString());
        assertEquals(4, none.code());
        assertTrue(none.err().contains("the model has no chat template"), none.err());

        Path broken = Files.createDirectories(tmp.resolve("broken"));
        Files.writeString(broken.resolve("chat_template.jinja"), "{% for m in messages %}{{ m.content }}");
        CliRun syntax = CliRun.of("chat-template", "-m", broken.toString(), "--context", context.toString());
        assertEquals(4, syntax.code());
        assertEquals("", syntax.out());
    }

    @Test
    void nowPinsStrftimeNowAndExtraKeysAreKeywordArguments() throws IOException {
        Path model = Files.createDirectories(tmp.resolve("m"));
        Files.writeString(model.resolve("chat_template.jinja"),
                "{{ strftime_now('%Y-%m-%d %H:%M') }}|{{ greeting }}|{{ messages[0].content }}");
        Path context = tmp.resolve("c.json");
        Files.writeString(context, "{\"messages\": [{\"role\": \"user\", \"content\": \"{{ 1 + 1 }}\"}],"
                + " \"greeting\": \"hé\"}");
        CliRun r = CliRun.of("chat-template", "-m", model.toString(), "--context", context.toString(),
                "--now", "2030-02-03T04:05:06+02:00");
        assertEquals(0, r.code(), r.err());
        assertEquals("2030-02-03 04:05|hé|{{ 1 + 1 }}", r.out());
    }
}

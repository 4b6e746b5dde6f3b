package dev.prefloop.engine.djl.text.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prefloop.core.error.DataException;
import dev.prefloop.core.error.ModelException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** One rendering case from a test-resource folder (template.jinja + cases.json) and its checker. */
record TemplateCase(String folder, String id, String template, JsonNode context, JsonNode expected) {

    /** The clock the fixtures were rendered with: strftime_now pinned to 2025-01-15 09:30:00. */
    static final Clock FIXTURE_CLOCK = Clock.fixed(
            LocalDateTime.of(2025, 1, 15, 9, 30).toInstant(ZoneOffset.UTC), ZoneOffset.UTC);

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public String toString() {
        return folder + "/" + id;
    }

    /** Every case of every folder under a test-resource directory. */
    static Stream<TemplateCase> all(String resourceDir) {
        try {
            Path root = Path.of(TemplateCase.class.getClassLoader().getResource(resourceDir).toURI());
            List<TemplateCase> cases = new ArrayList<>();
            try (Stream<Path> dirs = Files.list(root)) {
                for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                    JsonNode doc = JSON.readTree(dir.resolve("cases.json").toFile());
                    Path jinja = dir.resolve("template.jinja");
                    String template = Files.exists(jinja) ? Files.readString(jinja, StandardCharsets.UTF_8) : null;
                    for (JsonNode c : doc.get("cases")) {
                        String t = c.has("template") ? c.get("template").textValue() : template;
                        cases.add(new TemplateCase(dir.getFileName().toString(), c.get("id").textValue(), t,
                                c.get("context"), c));
                    }
                }
            }
            return cases.stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Renders (through ChatTemplate when the context holds messages) and compares; null when it passes. */
    String check() {
        @SuppressWarnings("unchecked")
        Map<String, Object> vars = (Map<String, Object>) TemplateValues.fromJson(context);
        String actual;
        try {
            // Conversations go through ChatTemplate as apply_chat_template would; bare contexts straight to Jinja.
            actual = vars.get("messages") instanceof List
                    ? ChatTemplate.fromSource(template, folder).render(ChatRequest.fromContext(vars, null), FIXTURE_CLOCK)
                    : JinjaTemplate.compile(template, folder).render(vars, FIXTURE_CLOCK);
        } catch (DataException e) {
            if (expected.has("expected_error")) {
                String want = expected.get("expected_error").textValue();
                return e.getMessage().equals(want) || e.getMessage().endsWith(": " + want) ? null
                        : "expected error [" + want + "] but got error [" + e.getMessage() + "]";
            }
            return "unexpected error: " + e.getMessage();
        } catch (ModelException e) {
            if (expected.has("expected_syntax_error")) {
                String line = ", line " + expected.get("line").asInt() + ":";
                return e.getMessage().contains(line) ? null
                        : "syntax error reported as [" + e.getMessage() + "], expected at" + line;
            }
            return "unexpected syntax error: " + e.getMessage();
        }
        if (!expected.has("expected_output")) {
            if (expected.has("expected_syntax_error")) {
                return "expected a syntax error at line " + expected.get("line") + " but rendered: " + actual;
            }
            return "expected an error but rendered: " + actual;
        }
        return firstDifference(expected.get("expected_output").textValue(), actual);
    }

    /** Null when equal, else the first differing character with some context on both sides. */
    static String firstDifference(String want, String got) {
        if (want.equals(got)) {
            return null;
        }
        int i = 0;
        while (i < want.length() && i < got.length() && want.charAt(i) == got.charAt(i)) {
            i++;
        }
        int from = Math.max(0, i - 40);
        return "first difference at char " + i + " (expected length " + want.length() + ", got " + got.length()
                + ")\n  expected: " + show(want.substring(from, Math.min(want.length(), i + 40)))
                + "\n  actual:   " + show(got.substring(from, Math.min(got.length(), i + 40)));
    }

    private static String show(String s) {
        return s.replace("\n", "\\n").replace("\t", "\\t");
    }
}

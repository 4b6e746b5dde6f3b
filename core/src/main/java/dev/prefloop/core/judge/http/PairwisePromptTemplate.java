package dev.prefloop.core.judge.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prefloop.core.error.UsageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PairwisePromptTemplate renders the user message an LLM judge gets: {@code {prompt}},
 * {@code {response_a}} and {@code {response_b}} are replaced in one pass (text inside the
 * responses is never substituted again). A message-list prompt is written one "role: content"
 * line per message.
 */
public final class PairwisePromptTemplate {

    /** The built-in template (docs/judges.md shows it). */
    public static final String BUILT_IN = """
            You are comparing two responses to the same prompt. Decide which response is better: more \
            helpful, correct, honest and harmless. Ignore the order in which they are shown and their \
            length; judge the content.

            [Prompt]
            {prompt}

            [Response A]
            {response_a}

            [Response B]
            {response_b}

            Which response is better? Answer with exactly one letter: A or B.""";

    private static final Pattern SLOT = Pattern.compile("\\{(prompt|response_a|response_b)\\}");

    private final String text;

    private PairwisePromptTemplate(String text) {
        this.text = text;
    }

    /** The built-in template. */
    public static PairwisePromptTemplate builtIn() {
        return new PairwisePromptTemplate(BUILT_IN);
    }

    /** A template from a file; it must use all three slots. */
    public static PairwisePromptTemplate read(Path file) {
        String t;
        try {
            t = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UsageException("--judge-prompt " + file + ": cannot read: " + e.getMessage());
        }
        for (String slot : new String[] {"{prompt}", "{response_a}", "{response_b}"}) {
            if (!t.contains(slot)) {
                throw new UsageException("--judge-prompt " + file + ": the template has no " + slot
                        + " (it needs {prompt}, {response_a} and {response_b})");
            }
        }
        return new PairwisePromptTemplate(t);
    }

    /** The template text (hashed into manifests). */
    public String text() {
        return text;
    }

    /** The rendered message. */
    public String render(JsonNode prompt, String responseA, String responseB) {
        Matcher m = SLOT.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = switch (m.group(1)) {
                case "prompt" -> promptText(prompt);
                case "response_a" -> responseA;
                default -> responseB;
            };
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        return out.toString();
    }

    static String promptText(JsonNode prompt) {
        if (prompt == null || prompt.isNull()) {
            return "";
        }
        if (prompt.isTextual()) {
            return prompt.asText();
        }
        StringBuilder b = new StringBuilder();
        for (JsonNode msg : prompt) {
            if (b.length() > 0) {
                b.append('\n');
            }
            b.append(msg.path("role").asText()).append(": ").append(msg.path("content").asText());
        }
        return b.toString();
    }
}

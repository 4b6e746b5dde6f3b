package dev.prefloop.engine.djl.text.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prefloop.core.error.DataException;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.core.error.UsageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A model's chat templates loaded as transformers loads them, rendered as
 * {@code tokenizer.apply_chat_template(..., tokenize=False)} renders them.
 *
 * <p>Sources, in transformers' order: {@code chat_template.jinja} (the "default") and
 * {@code additional_chat_templates/NAME.jinja}; when neither exists, {@code tokenizer_config.json}'s
 * {@code chat_template}, a string or a list of {name, template}.
 */
public final class ChatTemplate {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DEFAULT = "default";
    private static final String TOOL_USE = "tool_use";
    private static final Pattern GENERATION_TAG =
            Pattern.compile("\\{%[-+]?\\s*generation\\s*[-+]?%}");
    private static final Set<String> RESERVED = Set.of("messages", "tools", "documents", "add_generation_prompt");

    /** Template sources by name; a single unnamed template is stored under "default". */
    private final Map<String, String> sources;
    /** Where each template came from, for error messages. */
    private final Map<String, String> origins;
    private final boolean named;
    private final SpecialTokens specialTokens;
    private final Map<String, JinjaTemplate> compiled = new ConcurrentHashMap<>();

    private ChatTemplate(Map<String, String> sources, Map<String, String> origins, boolean named,
                         SpecialTokens specialTokens) {
        this.sources = sources;
        this.origins = origins;
        this.named = named;
        this.specialTokens = specialTokens;
    }

    /** Loads the templates and special tokens of a Hugging Face model (or tokenizer) directory. */
    public static ChatTemplate load(Path modelDir) {
        JsonNode config = readJson(modelDir.resolve("tokenizer_config.json"));
        JsonNode specialMap = readJson(modelDir.resolve("special_tokens_map.json"));
        SpecialTokens tokens = SpecialTokens.from(config, specialMap);
        Map<String, String> sources = new LinkedHashMap<>();
        Map<String, String> origins = new LinkedHashMap<>();
        // Separate template files take priority over any template in tokenizer_config.json.
        Path jinja = modelDir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) {
            sources.put(DEFAULT, readText(jinja));
            origins.put(DEFAULT, jinja.toString());
        }
        Path extra = modelDir.resolve("additional_chat_templates");
        if (Files.isDirectory(extra)) {
            try (Stream<Path> files = Files.list(extra)) {
                for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".jinja")).sorted().toList()) {
                    String name = f.getFileName().toString();
                    name = name.substring(0, name.length() - ".jinja".length());
                    sources.put(name, readText(f));
                    origins.put(name, f.toString());
                }
            } catch (IOException e) {
                throw new ModelException("cannot list " + extra + ": " + e.getMessage(), e);
            }
        }
        if (!sources.isEmpty()) {
            boolean named = !(sources.size() == 1 && sources.containsKey(DEFAULT));
            return new ChatTemplate(sources, origins, named, tokens);
        }
        JsonNode field = config == null ? null : config.get("chat_template");
        String origin = modelDir.resolve("tokenizer_config.json") + " chat_template";
        if (field == null || field.isNull()) {
            return new ChatTemplate(Map.of(), Map.of(), false, tokens);
        }
        if (field.isTextual()) {
            return new ChatTemplate(Map.of(DEFAULT, field.textValue()), Map.of(DEFAULT, origin), false, tokens);
        }
        if (!field.isArray()) {
            throw new ModelException(origin + ": expected a string or a list of {name, template}, got "
                    + field.getNodeType().toString().toLowerCase());
        }
        for (JsonNode entry : field) {
            JsonNode name = entry.get("name");
            JsonNode template = entry.get("template");
            if (name == null || !name.isTextual() || template == null || !template.isTextual()) {
                throw new ModelException(origin + ": every entry needs a string \"name\" and \"template\", got " + entry);
            }
            sources.put(name.textValue(), template.textValue());
            origins.put(name.textValue(), origin + " '" + name.textValue() + "'");
        }
        return new ChatTemplate(sources, origins, true, tokens);
    }

    /** One template given as text (e.g. a {@code --chat-template FILE} override), without special tokens. */
    public static ChatTemplate fromSource(String template, String sourceName) {
        return new ChatTemplate(Map.of(DEFAULT, template), Map.of(DEFAULT, sourceName), false,
                SpecialTokens.from(null, null));
    }

    /** Whether the model has any chat template. */
    public boolean isPresent() {
        return !sources.isEmpty();
    }

    /** The template names (a single unnamed template is "default"). */
    public Set<String> names() {
        return sources.keySet();
    }

    public SpecialTokens specialTokens() {
        return specialTokens;
    }

    /** Renders with the system clock feeding {@code strftime_now}, as transformers does. */
    public String render(ChatRequest request) {
        return render(request, Clock.systemDefaultZone());
    }

    /**
     * Renders one request; {@code clock} is what {@code strftime_now} reads.
     *
     * @throws UsageException for incompatible options or an unknown template name
     * @throws ModelException when the model has no template or the template does not compile
     * @throws DataException when the template raises or fails on this conversation
     */
    public String render(ChatRequest request, Clock clock) {
        return renderTracked(request, clock).text();
    }

    /** Whether the template {@code request} selects marks assistant text with {@code {% generation %}} blocks. */
    public boolean hasGenerationBlocks(ChatRequest request) {
        return GENERATION_TAG.matcher(sources.get(select(request.templateName(), request.tools() != null))).find();
    }

    /**
     * Renders as {@link #render(ChatRequest, Clock)} does, with the spans of the template's
     * {@code {% generation %}} blocks (transformers' return_assistant_tokens_mask).
     */
    public TrackedRendering renderTracked(ChatRequest request, Clock clock) {
        if (request.continueFinalMessage() && request.addGenerationPrompt()) {
            throw new UsageException("continue_final_message and add_generation_prompt are not compatible: use "
                    + "continue_final_message to continue the final message, add_generation_prompt to start a new one");
        }
        String name = select(request.templateName(), request.tools() != null);
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("messages", request.messages());
        variables.put("tools", request.tools());
        variables.put("documents", request.documents());
        variables.put("add_generation_prompt", request.addGenerationPrompt());
        variables.putAll(specialTokens.asVariables());
        for (Map.Entry<String, ?> kw : request.extraKwargs().entrySet()) {
            if (RESERVED.contains(kw.getKey())) {
                throw new UsageException("chat template keyword argument '" + kw.getKey()
                        + "' clashes with apply_chat_template's own argument of that name");
            }
            variables.put(kw.getKey(), kw.getValue());
        }
        TrackedRendering r = compiled(name).renderTracked(variables, clock);
        return request.continueFinalMessage()
                ? new TrackedRendering(cutAfterFinalMessage(r.text(), request.messages()), r.generationSpans()) : r;
    }

    /** transformers' get_chat_template: an asked name, else tool_use when tools are given, else default. */
    private String select(String asked, boolean hasTools) {
        if (sources.isEmpty()) {
            throw new ModelException("the model has no chat template: tokenizer_config.json has no chat_template "
                    + "and there is no chat_template.jinja");
        }
        if (asked != null) {
            if (!sources.containsKey(asked)) {
                throw new UsageException("no chat template named '" + asked + "'; the model has " + names());
            }
            return asked;
        }
        if (!named) {
            return DEFAULT;
        }
        if (hasTools && sources.containsKey(TOOL_USE)) {
            return TOOL_USE;
        }
        if (sources.containsKey(DEFAULT)) {
            return DEFAULT;
        }
        throw new UsageException("the model has several chat templates and none is named 'default'; choose one of "
                + names());
    }

    private JinjaTemplate compiled(String name) {
        return compiled.computeIfAbsent(name, n -> JinjaTemplate.compile(sources.get(n), origins.get(n)));
    }

    /** transformers' continue_final_message: drop what the template appends after the final message. */
    private static String cutAfterFinalMessage(String rendered, List<?> messages) {
        if (messages.isEmpty() || !(messages.get(messages.size() - 1) instanceof Map<?, ?> last)) {
            throw new DataException("continue_final_message needs a final message");
        }
        Object content = last.get("content");
        String finalText = null;
        if (content instanceof String s) {
            finalText = s;
        } else if (content instanceof List<?> parts) {
            for (int i = parts.size() - 1; i >= 0 && finalText == null; i--) {
                if (parts.get(i) instanceof Map<?, ?> part && part.get("text") instanceof String t) {
                    finalText = t;
                }
            }
        }
        if (finalText == null) {
            throw new DataException("continue_final_message is set but the final message has no text to continue");
        }
        String stripped = PyStrings.strip(finalText, null);
        int at = rendered.lastIndexOf(stripped);
        if (at < 0) {
            throw new DataException("continue_final_message is set but the final message does not appear in the "
                    + "chat after applying the chat template (the template changes it)");
        }
        String lstripped = PyStrings.lstrip(finalText, null);
        int end = Math.min(rendered.length(), at + lstripped.length());
        if (rendered.substring(at, end).equals(finalText)) {
            // the template kept the message as is
            return rendered.substring(0, end);
        }
        // the template trimmed trailing spacing; cut after the stripped text
        return rendered.substring(0, at + stripped.length());
    }

    private static JsonNode readJson(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelException(file + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    private static String readText(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ModelException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}

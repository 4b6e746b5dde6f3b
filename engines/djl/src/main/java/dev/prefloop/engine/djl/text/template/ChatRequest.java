package dev.prefloop.engine.djl.text.template;

import dev.prefloop.core.error.DataException;
import java.util.List;
import java.util.Map;

/**
 * The arguments of transformers' {@code apply_chat_template(tokenize=False)}: messages and tools are
 * plain values (Map, List, String, Long, Double, Boolean, null), e.g. from {@link TemplateValues#fromJson}.
 *
 * @param messages the conversation, a list of {role, content, ...} maps
 * @param tools tool schemas, or null (the template then sees {@code tools} as None)
 * @param documents documents for RAG templates, or null
 * @param addGenerationPrompt end with the header that starts an assistant turn
 * @param continueFinalMessage cut the output after the final message's content, so it can be continued
 * @param templateName a named template ("default", "tool_use", ...), or null to choose as transformers does
 * @param extraKwargs further template variables (TRL's chat_template_kwargs, e.g. enable_thinking)
 */
public record ChatRequest(List<?> messages, List<?> tools, List<?> documents, boolean addGenerationPrompt,
                          boolean continueFinalMessage, String templateName, Map<String, ?> extraKwargs) {

    public ChatRequest {
        // not List.copyOf: a message may be JSON null, which the template should see as None
        messages = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(
                java.util.Objects.requireNonNull(messages, "messages")));
        extraKwargs = extraKwargs == null ? Map.of() : extraKwargs;
    }

    /**
     * A request from a context object as transformers' fixtures and {@code prefloop chat-template
     * --context} write it: {@code messages} (required), {@code tools}, {@code documents},
     * {@code add_generation_prompt}, {@code continue_final_message}; every other key is passed to the
     * template as a keyword argument (so {@code bos_token} there overrides the tokenizer's).
     *
     * @throws DataException when messages is missing or a known key has the wrong type
     */
    public static ChatRequest fromContext(Map<String, ?> context, String templateName) {
        Map<String, Object> rest = new java.util.LinkedHashMap<>(context);
        Object messages = rest.remove("messages");
        if (!(messages instanceof List<?> list)) {
            throw new DataException("chat context: \"messages\" must be a list of messages, got "
                    + (messages == null ? "nothing" : PyRepr.typeName(TemplateValues.normalize(messages))));
        }
        return new ChatRequest(list, optionalList(rest.remove("tools"), "tools"),
                optionalList(rest.remove("documents"), "documents"), flag(rest.remove("add_generation_prompt"),
                "add_generation_prompt"), flag(rest.remove("continue_final_message"), "continue_final_message"),
                templateName, rest);
    }

    private static List<?> optionalList(Object value, String key) {
        if (value == null || value instanceof List<?>) {
            return (List<?>) value;
        }
        throw new DataException("chat context: \"" + key + "\" must be a list or null, got "
                + PyRepr.typeName(TemplateValues.normalize(value)));
    }

    private static boolean flag(Object value, String key) {
        if (value == null || value instanceof Boolean) {
            return Boolean.TRUE.equals(value);
        }
        throw new DataException("chat context: \"" + key + "\" must be true or false, got " + PyRepr.repr(value));
    }

    /** Just messages, with or without the generation prompt. */
    public static ChatRequest of(List<?> messages, boolean addGenerationPrompt) {
        return new ChatRequest(messages, null, null, addGenerationPrompt, false, null, Map.of());
    }
}

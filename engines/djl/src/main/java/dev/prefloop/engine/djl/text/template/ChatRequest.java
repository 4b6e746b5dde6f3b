package dev.prefloop.engine.djl.text.template;

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
        messages = List.copyOf(messages);
        extraKwargs = extraKwargs == null ? Map.of() : extraKwargs;
    }

    /** Just messages, with or without the generation prompt. */
    public static ChatRequest of(List<?> messages, boolean addGenerationPrompt) {
        return new ChatRequest(messages, null, null, addGenerationPrompt, false, null, Map.of());
    }
}

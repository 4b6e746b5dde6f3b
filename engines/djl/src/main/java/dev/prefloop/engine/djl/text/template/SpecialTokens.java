package dev.prefloop.engine.djl.text.template;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tokenizer's special tokens as templates see them (transformers' {@code special_tokens_map}):
 * {@code bos_token}, {@code eos_token}, ... as strings, whether the config wrote a string or an
 * AddedToken object {@code {"content": ...}}; tokens that are unset are left out (undefined).
 */
public final class SpecialTokens {

    private static final List<String> NAMES = List.of("bos_token", "eos_token", "unk_token", "sep_token",
            "pad_token", "cls_token", "mask_token");

    private final Map<String, Object> tokens;

    private SpecialTokens(Map<String, Object> tokens) {
        this.tokens = tokens;
    }

    /** From tokenizer_config.json, overridden by special_tokens_map.json entries as transformers does. */
    static SpecialTokens from(JsonNode tokenizerConfig, JsonNode specialTokensMap) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (JsonNode source : new JsonNode[] {tokenizerConfig, specialTokensMap}) {
            if (source == null) {
                continue;
            }
            for (String name : NAMES) {
                if (source.has(name)) {
                    String content = content(source.get(name));
                    if (content == null || content.isEmpty()) {
                        out.remove(name);
                    } else {
                        out.put(name, content);
                    }
                }
            }
            JsonNode extra = source.get("additional_special_tokens");
            if (extra != null && extra.isArray() && !extra.isEmpty()) {
                List<Object> list = new ArrayList<>();
                extra.forEach(t -> {
                    String c = content(t);
                    if (c != null) {
                        list.add(c);
                    }
                });
                out.put("additional_special_tokens", list);
            }
        }
        return new SpecialTokens(out);
    }

    private static String content(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        JsonNode c = node.get("content");
        return c != null && c.isTextual() ? c.textValue() : null;
    }

    /** The token under a name such as {@code "eos_token"}, or null when the tokenizer has none. */
    public String get(String name) {
        Object v = tokens.get(name);
        return v instanceof String s ? s : null;
    }

    /** All set tokens as template variables. */
    public Map<String, Object> asVariables() {
        return tokens;
    }
}

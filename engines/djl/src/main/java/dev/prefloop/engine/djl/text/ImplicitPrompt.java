package dev.prefloop.engine.djl.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * TRL's {@code extract_prompt}: a preference record without {@code prompt} holds the prompt inside
 * both chosen and rejected; it is their longest common prefix (of characters, or of whole messages),
 * less a space that ends it.
 *
 * @param prompt the shared prefix
 * @param chosen chosen without the prefix
 * @param rejected rejected without the prefix
 */
record ImplicitPrompt(JsonNode prompt, JsonNode chosen, JsonNode rejected) {

    /** Splits chosen and rejected (both strings or both message lists) as TRL does. */
    static ImplicitPrompt extract(JsonNode chosen, JsonNode rejected) {
        if (chosen.isTextual()) {
            String c = chosen.textValue();
            String r = rejected.textValue();
            int at = splitPoint(c.length(), r.length(), i -> c.charAt(i) == r.charAt(i), i -> c.charAt(i) == ' ');
            return new ImplicitPrompt(TextNode.valueOf(c.substring(0, at)), TextNode.valueOf(c.substring(at)),
                    TextNode.valueOf(r.substring(at)));
        }
        int at = splitPoint(chosen.size(), rejected.size(), i -> chosen.get(i).equals(rejected.get(i)), i -> false);
        return new ImplicitPrompt(slice(chosen, 0, at), slice(chosen, at, chosen.size()),
                slice(rejected, at, rejected.size()));
    }

    /**
     * The first index where the two differ, moved back by one when the element before it is a space.
     * Python leaves the loop variable at the last index when no difference is found, so two sequences
     * where one is a prefix of the other split one element before the shorter one's end; TRL's output
     * for that case is kept.
     */
    private static int splitPoint(int n1, int n2, java.util.function.IntPredicate same,
                                  java.util.function.IntPredicate isSpace) {
        int n = Math.min(n1, n2);
        for (int i = 0; i < n; i++) {
            if (!same.test(i)) {
                // TRL tests idx - 1 even at 0 (Python's -1 is the last element); only a real predecessor counts here
                return i > 0 && isSpace.test(i - 1) ? i - 1 : i;
            }
        }
        return Math.max(0, n - 1);
    }

    private static ArrayNode slice(JsonNode list, int from, int to) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (int i = from; i < to; i++) {
            out.add(list.get(i));
        }
        return out;
    }
}

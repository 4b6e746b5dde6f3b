package dev.prefloop.core.judge.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.OptionalDouble;

/**
 * AnswerLogprobs reads p(A) / (p(A) + p(B)) from a chat-completions reply asked with
 * {@code logprobs: true, top_logprobs: N}: at the first generated token that is the letter A or B
 * (after "[[", "**" or a space), the probabilities of every top alternative that is A (or B),
 * written with or without surrounding spaces and brackets, are summed. Empty when the reply has no
 * logprobs or neither letter is among the alternatives.
 */
final class AnswerLogprobs {

    private AnswerLogprobs() {}

    static OptionalDouble pA(JsonNode reply) {
        JsonNode tokens = reply.path("choices").path(0).path("logprobs").path("content");
        if (!tokens.isArray()) {
            return OptionalDouble.empty();
        }
        for (JsonNode t : tokens) {
            if (letter(t.path("token").asText()) == 0) {
                continue;
            }
            double a = 0;
            double b = 0;
            for (JsonNode alt : t.path("top_logprobs")) {
                double p = Math.exp(alt.path("logprob").asDouble(Double.NEGATIVE_INFINITY));
                switch (letter(alt.path("token").asText())) {
                    case 'A' -> a += p;
                    case 'B' -> b += p;
                    default -> { }
                }
            }
            return a + b > 0 ? OptionalDouble.of(a / (a + b)) : OptionalDouble.empty();
        }
        return OptionalDouble.empty();
    }

    /** 'A' or 'B' when the token is that letter with only spaces, brackets or asterisks around it, else 0. */
    private static char letter(String token) {
        String core = token.replaceAll("[\\s\\[\\]*\"'()]", "");
        return core.equals("A") || core.equals("B") ? core.charAt(0) : 0;
    }
}

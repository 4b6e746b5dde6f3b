package dev.prefloop.engine.djl.train;

import java.util.Arrays;

/**
 * Truncation as TRL's DPO/SFT tokenisation does it: the prompt keeps its last {@code max_prompt_length}
 * tokens (its end is what the completion continues), then the completion is cut so that prompt plus
 * completion fit {@code max_length}. A record that cannot fit is skipped with a reason, never an error.
 *
 * @param maxLength max_length, prompt plus completion (0: no limit)
 * @param maxPromptLength max_prompt_length (0: no limit)
 */
public record Truncation(int maxLength, int maxPromptLength) {

    /** The reasons a record is skipped. */
    public enum Skip {
        /** The prompt alone fills max_length, leaving no room for a completion. */
        OVERLONG_PROMPT("over-long prompt"),
        /** A completion is empty (in the data, or after truncation). */
        EMPTY_RESPONSE("empty response"),
        /** Chosen and rejected are the same tokens, so the pair prefers nothing. */
        MISMATCHED_PAIR("mismatched pair (chosen = rejected)");

        private final String text;

        Skip(String text) {
            this.text = text;
        }

        /** How reports name the reason. */
        public String text() {
            return text;
        }
    }

    /** The prompt's kept tail. */
    public long[] prompt(long[] prompt) {
        return maxPromptLength > 0 && prompt.length > maxPromptLength
                ? Arrays.copyOfRange(prompt, prompt.length - maxPromptLength, prompt.length)
                : prompt;
    }

    /** The completion's kept head after a prompt of {@code promptLength} kept tokens. */
    public long[] completion(int promptLength, long[] completion) {
        if (maxLength <= 0 || promptLength + completion.length <= maxLength) {
            return completion;
        }
        return Arrays.copyOf(completion, Math.max(0, maxLength - promptLength));
    }

    /** Why a truncated prompt cannot be used, or null. */
    public Skip checkPrompt(long[] truncatedPrompt) {
        return maxLength > 0 && truncatedPrompt.length >= maxLength ? Skip.OVERLONG_PROMPT : null;
    }
}

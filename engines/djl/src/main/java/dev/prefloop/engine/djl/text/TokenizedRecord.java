package dev.prefloop.engine.djl.text;

import java.util.Arrays;
import java.util.List;

/**
 * A record as token ids, split exactly where the prompt ends: the prompt and each completion
 * (completion, chosen and rejected, each of a candidates record's completions, or a whole
 * conversation of a {@code messages} record, which has no prompt).
 *
 * @param prompt the prompt; null for a {@code messages} record
 * @param completions the completions, in the record's order
 * @param conversational whether the texts came from a chat template
 */
public record TokenizedRecord(Segment prompt, List<Completion> completions, boolean conversational) {

    public TokenizedRecord {
        completions = List.copyOf(completions);
    }

    /**
     * A rendered text and its token ids after truncation.
     *
     * @param text the text the ids came from (rendered by the chat template, eos added where TRL adds
     *     it); for ids the record carried, their decoding
     * @param ids the token ids, truncated
     * @param dropped how many tokens truncation removed
     */
    public record Segment(String text, long[] ids, int dropped) {

        @Override
        public boolean equals(Object o) {
            return o instanceof Segment s && java.util.Objects.equals(text, s.text) && Arrays.equals(ids, s.ids)
                    && dropped == s.dropped;
        }

        @Override
        public int hashCode() {
            return 31 * java.util.Objects.hashCode(text) + Arrays.hashCode(ids);
        }

        @Override
        public String toString() {
            return "Segment[" + text + ", " + Arrays.toString(ids) + ", dropped " + dropped + "]";
        }
    }

    /**
     * One completion of the record.
     *
     * @param field the record field it came from: completion, chosen, rejected, completions, messages
     * @param index its position in a list field (completions), -1 otherwise
     * @param segment its text and ids
     */
    public record Completion(String field, int index, Segment segment) {}

    /** The completion from a field (the first one for a list field), or null. */
    public Completion completion(String field) {
        return completions.stream().filter(c -> c.field().equals(field)).findFirst().orElse(null);
    }

    /** Prompt then completion ids: what the model reads for this completion. (T) */
    public long[] inputIds(Completion c) {
        long[] p = prompt == null ? new long[0] : prompt.ids();
        long[] out = Arrays.copyOf(p, p.length + c.segment().ids().length);
        System.arraycopy(c.segment().ids(), 0, out, p.length, c.segment().ids().length);
        return out;
    }

    /** 1 where {@link #inputIds} holds the completion's tokens (the loss mask), 0 on the prompt. (T) */
    public int[] completionMask(Completion c) {
        int p = prompt == null ? 0 : prompt.ids().length;
        int[] mask = new int[p + c.segment().ids().length];
        Arrays.fill(mask, p, mask.length, 1);
        return mask;
    }
}

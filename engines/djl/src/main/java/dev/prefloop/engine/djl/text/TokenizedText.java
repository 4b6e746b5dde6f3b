package dev.prefloop.engine.djl.text;

/**
 * Token ids of a text and, per token, the [start, end) UTF-16 indices of the text it came from;
 * tokens that came from no text (added special tokens) have start and end -1.
 */
public record TokenizedText(long[] ids, int[] starts, int[] ends) {

    public int size() {
        return ids.length;
    }
}

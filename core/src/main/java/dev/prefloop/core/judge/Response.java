package dev.prefloop.core.judge;

/** Response is one completion to judge: its text and, when the candidates carry them, its token ids. */
public record Response(String text, long[] ids) {

    /** A response known by its text only. */
    public static Response text(String text) {
        return new Response(text, null);
    }
}

package dev.prefloop.engine.djl.text.template;

import java.util.List;

/**
 * A template's output with the [start, end) character spans of its {@code {% generation %}} blocks,
 * in output order (empty when the template has none or rendered none).
 *
 * @param text the rendered text
 * @param generationSpans the spans, each {start, end} in UTF-16 indices of {@code text}
 */
public record TrackedRendering(String text, List<int[]> generationSpans) {

    public TrackedRendering {
        generationSpans = List.copyOf(generationSpans);
    }
}

package dev.prefloop.engine.djl.generate;

/**
 * Detokenizer turns generated ids into text: the hook through which a tokenizer gives generation
 * its {@code text} output and stop strings. Without one (models given as ids only) stop strings
 * are unavailable and the generator refuses them.
 */
@FunctionalInterface
public interface Detokenizer {

    /** The text of {@code ids}, special tokens included, as the tokenizer's decode gives it. */
    String decode(long[] ids);
}

package dev.prefloop.engine.djl.bench;

import java.util.Locale;

/**
 * ModelPreset is a llama architecture of ../shared/bench/torch_ref.py's presets, so both sides
 * benchmark the same shapes.
 */
public enum ModelPreset {
    /** hidden 256, 4 layers, 4 heads, 2 kv heads, intermediate 688, vocab 4096 (5.0 M parameters). */
    TINY(256, 4, 4, 2, 688, 4096),
    /** hidden 512, 8 layers, 8 heads, 4 kv heads, intermediate 1376, vocab 8192 (31.6 M parameters). */
    SMALL(512, 8, 8, 4, 1376, 8192),
    /** hidden 768, 12 layers, 12 heads, 4 kv heads, intermediate 2048, vocab 16384 (100.7 M parameters). */
    BASE(768, 12, 12, 4, 2048, 16384);

    final int hidden;
    final int layers;
    final int heads;
    final int kvHeads;
    final int intermediate;
    final int vocab;

    ModelPreset(int hidden, int layers, int heads, int kvHeads, int intermediate, int vocab) {
        this.hidden = hidden;
        this.layers = layers;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.intermediate = intermediate;
        this.vocab = vocab;
    }

    /** The lower-case name used on the command line. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}

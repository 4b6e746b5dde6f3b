package dev.prefloop.engine.djl.init;

import dev.prefloop.core.error.UsageException;
import java.util.Locale;

/**
 * ModelPreset is a named llama shape for {@code prefloop init}, the same three sizes as the bench
 * reference (shared/bench/README.md): tiny 5.0 M, small 31.6 M and base 100.7 M parameters
 * (untied; tying removes vocab x hidden).
 */
public enum ModelPreset {
    /** hidden 256, 4 layers, 4 heads / 2 kv heads, intermediate 688, vocab 4096: unit tests and examples. */
    TINY(256, 4, 4, 2, 688, 4096),
    /** hidden 512, 8 layers, 8 heads / 4 kv heads, intermediate 1376, vocab 8192. */
    SMALL(512, 8, 8, 4, 1376, 8192),
    /** hidden 768, 12 layers, 12 heads / 4 kv heads, intermediate 2048, vocab 16384: about 100 M parameters. */
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

    /** Parses tiny | small | base. */
    public static ModelPreset parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--preset " + s + ": expected tiny, small or base");
        }
    }

    /** The lower-case name. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}

package dev.prefloop.engine.djl.generate;

import java.util.Locale;

/** FinishReason says why a sequence stopped: an EOS id, a stop string, or max_new_tokens. */
public enum FinishReason {
    /** The model produced one of the EOS ids (kept as the last token). */
    EOS,
    /** The decoded text came to contain a stop string (the token that completed it is the last). */
    STOP,
    /** max_new_tokens were generated. */
    LENGTH;

    /** The lower-case name written to records: eos, stop, length. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}

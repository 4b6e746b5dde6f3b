package dev.prefloop.engine.djl.train;

/**
 * TokenizedPair: one preference record as token ids, the prompt shared by both completions.
 *
 * @param prompt prompt ids
 * @param chosen chosen completion ids
 * @param rejected rejected completion ids
 * @param refChosen the record's {@code ref_chosen_logps}, or NaN when absent
 * @param refRejected the record's {@code ref_rejected_logps}, or NaN when absent
 * @param source which generator made each completion (null when not read)
 */
public record TokenizedPair(long[] prompt, long[] chosen, long[] rejected, double refChosen, double refRejected,
        PairSource source) {

    /** A pair without generator provenance. */
    public TokenizedPair(long[] prompt, long[] chosen, long[] rejected, double refChosen, double refRejected) {
        this(prompt, chosen, rejected, refChosen, refRejected, null);
    }

    /** This pair with its generators. */
    public TokenizedPair withSource(PairSource pairSource) {
        return new TokenizedPair(prompt, chosen, rejected, refChosen, refRejected, pairSource);
    }

    /** Whether the record carried both reference log-probabilities. */
    public boolean hasReference() {
        return !Double.isNaN(refChosen) && !Double.isNaN(refRejected);
    }

    /** The longer row of the pair, prompt included. */
    public int longestRow() {
        return prompt.length + Math.max(chosen.length, rejected.length);
    }
}

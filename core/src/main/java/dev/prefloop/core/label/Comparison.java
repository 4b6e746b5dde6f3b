package dev.prefloop.core.label;

/**
 * Comparison is one judged pair of a record's completions: indices i and j, p = p(i ≻ j), the
 * scores of a pointwise judge (else NaN), and for a pairwise judge asked both orders the two
 * answers as p(i ≻ j) each (else null).
 */
record Comparison(int i, int j, double p, double scoreI, double scoreJ, double[] orders) {}

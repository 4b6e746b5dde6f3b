package dev.prefloop.core.label;

/** Tally counts what a label run did: records, pairs written, ties skipped, judge requests asked and resumed. */
final class Tally {
    long records;
    long pairs;
    long ties;
    long asked;
    long reused;
}

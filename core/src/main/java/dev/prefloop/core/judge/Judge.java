package dev.prefloop.core.judge;

/**
 * Judge is anything that says which of two responses to a prompt is better: a {@link PairwiseJudge}
 * gives p(a ≻ b) directly, a {@link PointwiseJudge} scores each response and is made pairwise
 * through Bradley-Terry ({@link BradleyTerry#lift}).
 */
public interface Judge extends AutoCloseable {

    /** What this judge is, for logs and provenance (the spec without any secret). */
    String describe();

    /** Releases processes, connections or models; a no-op by default. */
    @Override
    default void close() {}
}

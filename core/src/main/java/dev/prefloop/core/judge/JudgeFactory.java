package dev.prefloop.core.judge;

import java.util.Map;

/**
 * JudgeFactory opens the judges of one {@code --judge} kind; factories are found with
 * {@link java.util.ServiceLoader}, so engines add kinds (rm:) without core depending on them.
 */
public interface JudgeFactory {

    /** The kind before the colon, e.g. "exec". */
    String kind();

    /** One line for help and errors: what TARGET is. */
    String usage();

    /** Opens the judge; bad targets or options are {@link dev.prefloop.core.error.UsageException}s. */
    Judge open(JudgeSpec spec, JudgeOptions options);

    /**
     * What decides this judge's verdicts, for manifests (never a secret): a rerun with other values
     * is a different run.
     */
    Map<String, Object> identity(JudgeSpec spec, JudgeOptions options);
}

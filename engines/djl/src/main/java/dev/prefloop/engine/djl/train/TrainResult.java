package dev.prefloop.engine.djl.train;

import java.nio.file.Path;
import java.util.Map;

/**
 * TrainResult: what a finished run did.
 *
 * @param steps optimizer steps of the run (resumed ones included)
 * @param skippedSteps steps skipped for a non-finite loss or gradient
 * @param lastLoss the loss of the last logging window
 * @param tokens real tokens processed in this process
 * @param seconds wall time of the training loop in this process
 * @param peakRssBytes the process's peak resident set size (-1 where /proc is missing)
 * @param out the output directory holding the final model
 * @param skippedRecords records left out of training, by reason
 * @param upToDate OUT already held this run's output (same manifest), so nothing was done
 */
public record TrainResult(long steps, long skippedSteps, double lastLoss, long tokens, double seconds,
        long peakRssBytes, Path out, Map<String, Long> skippedRecords, boolean upToDate) {

    /** A run's result. */
    public TrainResult(long steps, long skippedSteps, double lastLoss, long tokens, double seconds, long peakRssBytes,
            Path out, Map<String, Long> skippedRecords) {
        this(steps, skippedSteps, lastLoss, tokens, seconds, peakRssBytes, out, skippedRecords, false);
    }

    /** The result of a rerun that found OUT up to date. */
    public static TrainResult upToDate(Path out) {
        return new TrainResult(0, 0, Double.NaN, 0, 0, -1, out, Map.of(), true);
    }

    /** This result with the data's skipped-record counts. */
    public TrainResult withSkippedRecords(Map<String, Long> counts) {
        return new TrainResult(steps, skippedSteps, lastLoss, tokens, seconds, peakRssBytes, out, Map.copyOf(counts),
                upToDate);
    }
}

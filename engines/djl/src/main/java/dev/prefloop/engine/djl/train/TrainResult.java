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
 */
public record TrainResult(long steps, long skippedSteps, double lastLoss, long tokens, double seconds,
        long peakRssBytes, Path out, Map<String, Long> skippedRecords) {

    /** This result with the data's skipped-record counts. */
    public TrainResult withSkippedRecords(Map<String, Long> counts) {
        return new TrainResult(steps, skippedSteps, lastLoss, tokens, seconds, peakRssBytes, out, Map.copyOf(counts));
    }
}

package dev.prefloop.engine.djl.train;

/**
 * LrSchedule: the learning rate of optimizer step k (0-based) as a pure function of k, transformers'
 * LambdaLR schedules: lr(k) = learning_rate * lambda(k) with linear warmup over w steps,
 * lambda(k) = k / max(1, w) for k &lt; w, then per {@link SchedulerType} with progress
 * p = (k - w) / max(1, N - w): linear max(0, (N - k) / max(1, N - w)), cosine
 * max(0, (1 + cos(pi p)) / 2), constant 1.
 *
 * @param type the multiplier's shape
 * @param learningRate the peak rate
 * @param warmupSteps w
 * @param totalSteps N, the number of optimizer steps of the run
 */
public record LrSchedule(SchedulerType type, double learningRate, long warmupSteps, long totalSteps) {

    /**
     * transformers' get_warmup_steps: warmup_steps when &gt; 0, else ceil(warmup_ratio * N).
     */
    public static long warmupSteps(long warmupSteps, double warmupRatio, long totalSteps) {
        return warmupSteps > 0 ? warmupSteps : (long) Math.ceil(totalSteps * warmupRatio);
    }

    /** The rate used by optimizer step k (k = 0 is the first update). */
    public double at(long k) {
        return learningRate * multiplier(k);
    }

    /** lambda(k). */
    public double multiplier(long k) {
        if (type == SchedulerType.CONSTANT) {
            return 1.0;
        }
        if (k < warmupSteps) {
            return (double) k / Math.max(1, warmupSteps);
        }
        return switch (type) {
            case CONSTANT, CONSTANT_WITH_WARMUP -> 1.0;
            case LINEAR -> Math.max(0.0, (double) (totalSteps - k) / Math.max(1, totalSteps - warmupSteps));
            case COSINE -> {
                double progress = (double) (k - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
                yield Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * progress)));
            }
        };
    }
}

package dev.prefloop.engine.djl.train;

import dev.prefloop.core.error.UsageException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.IntUnaryOperator;

/**
 * StepPlan says which examples each optimizer step reads: every epoch is a seeded permutation of the
 * examples cut into steps of batch_size x gradient_accumulation_steps (the last step of an epoch may be
 * smaller). Where a run stands is therefore just its step number, which is what makes resuming exact.
 */
public final class StepPlan {

    private final int examples;
    private final int batchSize;
    private final int perStep;
    private final long stepsPerEpoch;
    private final long totalSteps;
    private final long seed;
    private long cachedEpoch = -1;
    private int[] cachedOrder;

    /**
     * @param examples the number of examples N
     * @param batchSize per_device_train_batch_size: examples per micro-batch before the token budget splits it
     * @param accumulation gradient_accumulation_steps
     * @param epochs num_train_epochs (may be fractional)
     * @param maxSteps max_steps; when &gt; 0 it overrides epochs
     * @param seed the shuffling seed
     */
    public StepPlan(int examples, int batchSize, int accumulation, double epochs, long maxSteps, long seed) {
        if (batchSize < 1 || accumulation < 1) {
            throw new UsageException("batch_size and gradient_accumulation_steps must be >= 1, got " + batchSize
                    + " and " + accumulation);
        }
        if (maxSteps <= 0 && !(epochs > 0)) {
            throw new UsageException("num_train_epochs must be > 0 when max_steps is not set, got " + epochs);
        }
        this.examples = examples;
        this.batchSize = batchSize;
        this.perStep = Math.multiplyExact(batchSize, accumulation);
        this.stepsPerEpoch = (examples + perStep - 1) / perStep;
        this.totalSteps = maxSteps > 0 ? maxSteps : (long) Math.ceil(epochs * stepsPerEpoch);
        this.seed = seed;
    }

    /** The number of optimizer steps of the run. */
    public long totalSteps() {
        return totalSteps;
    }

    /** Optimizer steps per pass over the data. */
    public long stepsPerEpoch() {
        return stepsPerEpoch;
    }

    /** The epoch as a fraction after {@code stepsDone} steps, as trainer_state.json's {@code epoch}. */
    public double epochAfter(long stepsDone) {
        return (double) stepsDone / stepsPerEpoch;
    }

    /** The example indices of optimizer step {@code step} (0-based). */
    public int[] examples(long step) {
        long epoch = step / stepsPerEpoch;
        int first = Math.toIntExact((step % stepsPerEpoch) * perStep);
        return Arrays.copyOfRange(order(epoch), first, Math.min(first + perStep, examples));
    }

    private int[] order(long epoch) {
        if (epoch != cachedEpoch) {
            int[] order = new int[examples];
            for (int i = 0; i < examples; i++) {
                order[i] = i;
            }
            // java.util.Random's sequence is specified, so the permutation is the same on every JVM.
            Random random = new Random(seed * 1_000_003L + epoch);
            for (int i = examples - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            cachedOrder = order;
            cachedEpoch = epoch;
        }
        return cachedOrder;
    }

    /**
     * A step's examples cut into micro-batches: first into batch_size chunks (one per accumulation step), then
     * each chunk greedily so that rows x padded length stays within {@code tokenBudget} (0: no budget); a single
     * example over the budget still makes a micro-batch of its own.
     *
     * @param length an example's longest row in tokens
     * @param rowsPerExample 2 for pairs (chosen and rejected rows), 1 for SFT
     */
    public List<int[]> microBatches(int[] step, IntUnaryOperator length, int rowsPerExample, long tokenBudget) {
        return split(step, batchSize, length, rowsPerExample, tokenBudget);
    }

    /** {@link #microBatches} for any list of examples and batch size. */
    public static List<int[]> split(int[] step, int batchSize, IntUnaryOperator length, int rowsPerExample,
            long tokenBudget) {
        List<int[]> out = new ArrayList<>();
        for (int start = 0; start < step.length; start += batchSize) {
            int end = Math.min(start + batchSize, step.length);
            int from = start;
            int longest = 0;
            for (int i = start; i < end; i++) {
                int len = Math.max(longest, length.applyAsInt(step[i]));
                long tokens = (long) (i - from + 1) * rowsPerExample * len;
                if (tokenBudget > 0 && i > from && tokens > tokenBudget) {
                    out.add(Arrays.copyOfRange(step, from, i));
                    from = i;
                    len = length.applyAsInt(step[i]);
                }
                longest = len;
            }
            out.add(Arrays.copyOfRange(step, from, end));
        }
        return out;
    }
}

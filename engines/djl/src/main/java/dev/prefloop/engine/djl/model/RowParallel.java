package dev.prefloop.engine.djl.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import dev.prefloop.engine.djl.TorchRuntime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * RowParallel runs inference over a CPU batch as blocks of rows at the same time, one thread per
 * block with one intra-op thread each, instead of one pass whose every op is split across OpenMP
 * threads. libtorch's OpenMP workers sleep between ops (OMP_WAIT_POLICY=PASSIVE, which a shared
 * machine needs), and on a VM each of a pass's hundreds of ops then waits for a sleeping core to
 * wake: a 512-token prefill of the tiny preset took as long on two threads as on one (44 ms), and
 * 26-30 ms as two blocks of rows (docs/benchmarks.md). Rows of a causal LM are independent, so the
 * blocks give the same values as the whole batch. Models stepped in lockstep run the same way, one
 * block per model.
 */
public final class RowParallel {

    /** Block {@code index}'s work: rows [from, to) of the batch -> its result. */
    @FunctionalInterface
    public interface Block<T> {
        T run(int index, long from, long to);
    }

    private static final ExecutorService WORKERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "prefloop-rows");
        t.setDaemon(true);
        return t;
    });

    private RowParallel() {
    }

    /**
     * How many blocks a batch of {@code rows} rows runs as with {@code threads} threads: one per thread, at most one
     * per row, 1 off the CPU. Threads beyond one block per row go to the blocks' intra-op pools
     * ({@link #threadsEach}).
     */
    public static int blocks(Device device, long rows, int threads) {
        if (!Device.Type.CPU.equals(device.getDeviceType())) {
            return 1;
        }
        return (int) Math.max(1, Math.min(rows, threads));
    }

    /** The intra-op threads each of {@code blocks} blocks gets out of {@code threads}. */
    public static int threadsEach(int threads, int blocks) {
        return Math.max(1, threads / blocks);
    }

    /** The first row of block {@code index} of {@code blocks} about equal blocks over {@code rows} rows. */
    public static long start(int index, int blocks, long rows) {
        return rows * index / blocks;
    }

    /** {@link #run(int, long, int, Block)} with one intra-op thread per block. */
    public static <T> List<T> run(int blocks, long rows, Block<T> block) {
        return run(blocks, rows, 1, block);
    }

    /**
     * Runs {@code blocks} blocks of about equal size over {@code rows} rows and returns their results in block
     * order: block 0 on the calling thread, the others on worker threads with grad mode off, every block with
     * {@code threads} intra-op threads (the caller's setting is restored). An array a worker returns outlives the
     * worker's NDScope and belongs to no scope of the caller's; block 0's is made in the caller's scope. If a block
     * fails, every block has finished before the failure is thrown, and the arrays the others returned are closed.
     */
    public static <T> List<T> run(int blocks, long rows, int threads, Block<T> block) {
        @SuppressWarnings("unchecked")
        Future<T>[] futures = new Future[blocks];
        for (int i = 1; i < blocks; i++) {
            int index = i;
            long from = start(i, blocks, rows);
            long to = start(i + 1, blocks, rows);
            futures[i] = WORKERS.submit(() -> {
                TorchRuntime.setGradMode(false);
                TorchRuntime.setThreads(threads); // libtorch's thread count is the calling thread's
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    T result = block.run(index, from, to);
                    if (result instanceof NDArray a) {
                        NDScope.unregister(a);
                    }
                    return result;
                }
            });
        }
        List<T> results = new ArrayList<>(Collections.nCopies(blocks, null));
        RuntimeException failure = null;
        int callerThreads = TorchRuntime.threads();
        TorchRuntime.setThreads(threads);
        try {
            results.set(0, block.run(0, 0, start(1, blocks, rows)));
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            TorchRuntime.setThreads(callerThreads);
        }
        // Wait for every worker, even after a failure: none may still run when the caller frees its arrays.
        for (int i = 1; i < blocks; i++) {
            try {
                results.set(i, futures[i].get());
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (failure == null) {
                    failure = cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) {
                    failure = new IllegalStateException("interrupted while waiting for a block of rows", e);
                }
            }
        }
        if (failure != null) {
            for (T r : results) {
                if (r instanceof NDArray a) {
                    a.close();
                }
            }
            throw failure;
        }
        return results;
    }

    /**
     * {@link #run(int, long, int, Block)} for blocks that return arrays, concatenated along axis 0 in the caller's
     * scope.
     */
    static NDArray concat(int blocks, long rows, int threads, Block<NDArray> block) {
        List<NDArray> parts = run(blocks, rows, threads, block);
        NDArray out = NDArrays.concat(new NDList(parts), 0);
        for (int i = 1; i < parts.size(); i++) {
            parts.get(i).close(); // made outside the caller's scope
        }
        return out;
    }
}

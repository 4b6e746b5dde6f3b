package dev.prefloop.engine.djl.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import dev.prefloop.engine.djl.TorchRuntime;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * RowParallel runs an inference pass over a CPU batch as blocks of rows at the same time, one
 * thread per block with one intra-op thread each, instead of one pass whose every op is split
 * across OpenMP threads. libtorch's OpenMP workers sleep between ops (OMP_WAIT_POLICY=PASSIVE, which
 * a shared machine needs), and on a VM each of a prefill's hundreds of ops then waits for a
 * sleeping core to wake: a 512-token prefill of the tiny preset took as long on two threads as on
 * one (44 ms), and 28-30 ms as two blocks of rows (docs/benchmarks.md). Rows of a causal LM's
 * forward pass are independent, so the blocks give the same values as the whole batch.
 */
final class RowParallel {

    /** Block {@code index}'s pass: rows [from, to) of the batch -> its result, rows first. */
    @FunctionalInterface
    interface Block {
        NDArray run(int index, long from, long to);
    }

    private static final ExecutorService WORKERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "prefloop-rows");
        t.setDaemon(true);
        return t;
    });

    private RowParallel() {
    }

    /** How many blocks a pass of {@code rows} rows runs as with {@code threads} intra-op threads: 1 off the CPU. */
    static int blocks(Device device, long rows, int threads) {
        if (!Device.Type.CPU.equals(device.getDeviceType())) {
            return 1;
        }
        return (int) Math.max(1, Math.min(rows, threads));
    }

    /** The first row of block {@code index} of {@code blocks} about equal blocks over {@code rows} rows. */
    static long start(int index, int blocks, long rows) {
        return rows * index / blocks;
    }

    /**
     * Runs {@code blocks} blocks of about equal size over {@code rows} rows and concatenates their results along
     * axis 0: block 0 on the calling thread, the others on worker threads with grad mode off, every block with one
     * intra-op thread (the caller's setting is restored). The result is made in the caller's NDScope, if any.
     */
    static NDArray run(int blocks, long rows, Block block) {
        @SuppressWarnings("unchecked")
        Future<NDArray>[] futures = new Future[blocks];
        for (int i = 1; i < blocks; i++) {
            int index = i;
            long from = start(i, blocks, rows);
            long to = start(i + 1, blocks, rows);
            futures[i] = WORKERS.submit(() -> {
                TorchRuntime.setGradMode(false);
                TorchRuntime.setThreads(1); // libtorch's thread count is the calling thread's
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    NDArray a = block.run(index, from, to);
                    NDScope.unregister(a);
                    return a;
                }
            });
        }
        NDArray[] parts = new NDArray[blocks];
        RuntimeException failure = null;
        int callerThreads = TorchRuntime.threads();
        TorchRuntime.setThreads(1);
        try {
            parts[0] = block.run(0, 0, start(1, blocks, rows));
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            TorchRuntime.setThreads(callerThreads);
        }
        // Wait for every worker, even after a failure: none may still run when the caller frees its arrays.
        for (int i = 1; i < blocks; i++) {
            try {
                parts[i] = futures[i].get();
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
            for (NDArray p : parts) {
                if (p != null) {
                    p.close();
                }
            }
            throw failure;
        }
        NDArray out = NDArrays.concat(new NDList(parts), 0);
        for (int i = 1; i < blocks; i++) {
            parts[i].close(); // made outside the caller's scope
        }
        return out;
    }
}

package dev.prefloop.engine.djl.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.prefloop.engine.djl.TorchRuntime;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/**
 * LockstepRunner runs one forward pass per model at the same time: model 0 on the calling thread,
 * each other model on a worker thread of its own. A decoding step of a small batch is mostly
 * per-op overhead on one core, so two models in lockstep cost far less than two passes in a row.
 * The passes are independent (each model has its own weights and KV cache), so the results are
 * the same as running them one after the other.
 *
 * <p>Workers run with grad mode off and each pass in its own NDScope; what a pass returns survives
 * it, on the manager of its inputs.
 */
final class LockstepRunner implements AutoCloseable {

    private final ExecutorService workers; // null for a single model

    LockstepRunner(int models) {
        this.workers = models < 2 ? null : Executors.newFixedThreadPool(models - 1, r -> {
            Thread t = new Thread(r, "prefloop-lockstep");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * {@code forward.apply(i)} for every model i, the workers' ops with {@code threads} intra-op
     * threads (the caller's setting is the caller's business); result 0 is made in the caller's NDScope (if any),
     * the others outside any scope of the caller.
     */
    NDArray[] run(int models, int threads, IntFunction<NDArray> forward) {
        NDArray[] out = new NDArray[models];
        if (workers == null || models == 1) {
            for (int i = 0; i < models; i++) {
                out[i] = forward.apply(i);
            }
            return out;
        }
        @SuppressWarnings("unchecked")
        Future<NDArray>[] futures = new Future[models];
        for (int i = 1; i < models; i++) {
            int model = i;
            futures[i] = workers.submit(() -> {
                TorchRuntime.setGradMode(false);
                TorchRuntime.setThreads(threads); // libtorch's thread count is the calling thread's
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    NDArray a = forward.apply(model);
                    NDScope.unregister(a);
                    return a;
                }
            });
        }
        RuntimeException failure = null;
        try {
            out[0] = forward.apply(0);
        } catch (RuntimeException e) {
            failure = e;
        }
        // Wait for every worker, even after a failure: none may still run when the caller frees its arrays.
        for (int i = 1; i < models; i++) {
            try {
                out[i] = futures[i].get();
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (failure == null) {
                    failure = cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) {
                    failure = new IllegalStateException("interrupted while waiting for a lockstep model", e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        return out;
    }

    @Override
    public void close() {
        if (workers != null) {
            workers.shutdown();
        }
    }
}

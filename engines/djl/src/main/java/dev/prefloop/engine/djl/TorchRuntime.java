package dev.prefloop.engine.djl;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;

/** TorchRuntime starts DJL's PyTorch engine offline, once per JVM, and names what it loaded. */
public final class TorchRuntime {

    private static volatile Engine engine;

    private TorchRuntime() {}

    /** The PyTorch engine; never downloads (offline mode is forced before the first start). */
    public static Engine engine() {
        Engine e = engine;
        if (e == null) {
            synchronized (TorchRuntime.class) {
                if (engine == null) {
                    engine = start();
                }
                e = engine;
            }
        }
        return e;
    }

    private static Engine start() {
        // Without offline mode DJL tries to fetch libtorch and calls a telemetry endpoint.
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        try {
            // By name: the tokenizers jar registers a second engine ("Rust").
            return Engine.getEngine("PyTorch");
        } catch (EngineException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot start libtorch through DJL (offline): " + e.getMessage()
                    + ". The pytorch-native-cpu jar must be on the class path, or PYTORCH_LIBRARY_PATH,"
                    + " PYTORCH_VERSION and PYTORCH_FLAVOR must name a local libtorch.", e);
        }
    }

    /**
     * Sets libtorch's intra-op thread count (at::set_num_threads); takes effect for later ops.
     * Inter-op threads are fixed at engine start (system property ai.djl.pytorch.num_interop_threads).
     */
    public static void setThreads(int threads) {
        engine();
        ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
    }

    /**
     * Turns autograd recording off (or on) for the calling thread: libtorch's grad mode is per
     * thread and on in every thread but the one that started the engine.
     */
    public static void setGradMode(boolean enabled) {
        engine();
        ai.djl.pytorch.jni.JniUtils.setGradMode(enabled);
    }

    /** libtorch's intra-op thread count. */
    public static int threads() {
        engine();
        return ai.djl.pytorch.jni.JniUtils.getNumThreads();
    }

    /** A one-line description such as "PyTorch 2.7.1 (cpu)". */
    public static String describe() {
        Engine e = engine();
        return e.getEngineName() + " " + e.getVersion() + " (" + e.defaultDevice() + ")";
    }
}

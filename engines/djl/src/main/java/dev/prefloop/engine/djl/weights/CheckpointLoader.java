package dev.prefloop.engine.djl.weights;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.prefloop.core.error.ModelException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CheckpointLoader reads a model directory's weights through {@link HfWeightsReader} (transformers'
 * file precedence), checks them against the parameters a model expects (every name and shape), and
 * creates them as NDArrays of the compute dtype.
 */
public final class CheckpointLoader {

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointLoader.class);

    private CheckpointLoader() {}

    /**
     * The expected tensors, in the order given, as arrays of {@code dtype} on {@code manager}'s
     * device. Every expected name must be present with its exact shape; a tensor the checkpoint has
     * but the model does not expect is an error unless {@code ignorable} accepts its name.
     */
    public static Map<String, NDArray> load(Path modelDir, Map<String, Shape> expected, Predicate<String> ignorable,
            NDManager manager, DataType dtype) {
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16) {
            throw new IllegalArgumentException("weights load as float32 or float16, not " + dtype);
        }
        Path file = HfWeightsReader.weightsFile(modelDir);
        Map<String, HostTensor> found = HfWeightsReader.read(modelDir);
        check(file, expected, found, ignorable);

        TreeSet<String> storage = new TreeSet<>();
        Map<String, NDArray> out = new LinkedHashMap<>();
        Device device = manager.getDevice();
        try (NDManager staging = device.isGpu() ? manager.newSubManager(Device.cpu()) : null) {
            for (Map.Entry<String, Shape> e : expected.entrySet()) {
                HostTensor t = found.get(e.getKey());
                storage.add(t.dtype());
                // Allocated by libtorch, filled through a view: one copy, no JVM direct memory.
                NDArray a = (staging != null ? staging : manager).create(e.getValue(), dtype);
                if (t.numel() > 0) {
                    ByteBuffer view = a.toByteBuffer(true);
                    if (dtype == DataType.FLOAT32) {
                        StorageDecoder.writeFloat32(e.getKey(), t, view);
                    } else {
                        StorageDecoder.writeFloat16(e.getKey(), t, view);
                    }
                }
                if (staging != null) {
                    NDArray onDevice = a.toDevice(device, false);
                    onDevice.attach(manager);
                    a.close();
                    a = onDevice;
                }
                NDScope.unregister(a); // parameters outlive any step scope the caller may be in
                a.setName(e.getKey());
                out.put(e.getKey(), a);
            }
        }
        LOG.info("read {} tensors from {} (stored {}, computing in {})", out.size(),
                file, String.join("+", storage), dtype);
        return out;
    }

    private static void check(Path file, Map<String, Shape> expected, Map<String, HostTensor> found,
            Predicate<String> ignorable) {
        List<String> problems = new ArrayList<>();
        List<String> missing = expected.keySet().stream().filter(k -> !found.containsKey(k)).toList();
        if (!missing.isEmpty()) {
            problems.add(missing.size() + " missing tensor(s): " + String.join(", ", missing));
        }
        for (Map.Entry<String, Shape> e : expected.entrySet()) {
            HostTensor t = found.get(e.getKey());
            if (t == null) {
                continue;
            }
            if (!Arrays.equals(t.shape(), e.getValue().getShape())) {
                problems.add("tensor \"" + e.getKey() + "\" has shape " + Arrays.toString(t.shape())
                        + ", expected " + Arrays.toString(e.getValue().getShape()));
            }
            if (!StorageDecoder.isFloat(t.dtype())) {
                problems.add("tensor \"" + e.getKey() + "\" is stored as " + t.dtype() + ", expected F32, F16 or BF16");
            }
        }
        List<String> ignored = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        for (String k : found.keySet()) {
            if (!expected.containsKey(k)) {
                (ignorable.test(k) ? ignored : unexpected).add(k);
            }
        }
        if (!unexpected.isEmpty()) {
            problems.add(unexpected.size() + " unexpected tensor(s): " + String.join(", ", unexpected));
        }
        if (!problems.isEmpty()) {
            throw new ModelException(file + " does not match config.json: " + String.join("; ", problems));
        }
        if (!ignored.isEmpty()) {
            LOG.info("ignoring {} tensor(s) the model recomputes or does not use: {}", ignored.size(),
                    String.join(", ", ignored));
        }
    }
}

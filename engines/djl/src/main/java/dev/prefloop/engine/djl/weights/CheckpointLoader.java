package dev.prefloop.engine.djl.weights;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.prefloop.core.error.ModelException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CheckpointLoader reads a model directory's weights through the first {@link WeightSource} whose
 * file is there, checks them against the parameters a model expects (every name and shape), and
 * creates them as NDArrays of the compute dtype.
 */
public final class CheckpointLoader {

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointLoader.class);

    private final List<WeightSource> sources;

    /** A loader that tries the sources in order; the first whose file is present wins. */
    public CheckpointLoader(List<WeightSource> sources) {
        this.sources = List.copyOf(sources);
    }

    /** Single-file safetensors, then sharded safetensors. */
    public static CheckpointLoader safetensors() {
        return new CheckpointLoader(List.of(new SafetensorsSource(), new ShardedSafetensorsSource()));
    }

    /** This loader with one more source tried after the others (e.g. a pytorch_model.bin reader). */
    public CheckpointLoader with(WeightSource source) {
        List<WeightSource> all = new ArrayList<>(sources);
        all.add(source);
        return new CheckpointLoader(all);
    }

    /** The source that would be read for this directory. */
    public WeightSource sourceFor(Path modelDir) {
        for (WeightSource s : sources) {
            if (s.presentIn(modelDir)) {
                return s;
            }
        }
        String wanted = sources.stream().map(WeightSource::fileName).collect(Collectors.joining(", "));
        throw new ModelException(modelDir + ": no weights found; expected one of: " + wanted
                + " (the directory holds: " + listing(modelDir) + ")");
    }

    /**
     * The expected tensors, in the order given, as arrays of {@code dtype} on {@code manager}'s
     * device. Every expected name must be present with its exact shape; a tensor the checkpoint has
     * but the model does not expect is an error unless {@code ignorable} accepts its name.
     */
    public Map<String, NDArray> load(Path modelDir, Map<String, Shape> expected, Predicate<String> ignorable,
            NDManager manager, DataType dtype) {
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16) {
            throw new IllegalArgumentException("weights load as float32 or float16, not " + dtype);
        }
        WeightSource source = sourceFor(modelDir);
        Map<String, HostTensor> found = source.read(modelDir);
        check(modelDir.resolve(source.fileName()), expected, found, ignorable);

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
                modelDir.resolve(source.fileName()), String.join("+", storage), dtype);
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

    private static String listing(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            String names = s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.joining(", "));
            return names.isEmpty() ? "nothing" : names;
        } catch (IOException e) {
            return "unreadable: " + e.getMessage();
        }
    }
}

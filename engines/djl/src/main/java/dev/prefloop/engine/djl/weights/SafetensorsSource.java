package dev.prefloop.engine.djl.weights;

import java.nio.file.Path;
import java.util.Map;

/** SafetensorsSource reads the single-file {@code model.safetensors} of a model directory. */
public final class SafetensorsSource implements WeightSource {

    @Override
    public String fileName() {
        return "model.safetensors";
    }

    @Override
    public Map<String, HostTensor> read(Path modelDir) {
        return SafetensorsReader.read(modelDir.resolve(fileName()));
    }
}

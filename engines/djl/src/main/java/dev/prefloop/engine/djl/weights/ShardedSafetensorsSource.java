package dev.prefloop.engine.djl.weights;

import java.nio.file.Path;
import java.util.Map;

/** ShardedSafetensorsSource reads shards through {@code model.safetensors.index.json}. */
public final class ShardedSafetensorsSource implements WeightSource {

    @Override
    public String fileName() {
        return "model.safetensors.index.json";
    }

    @Override
    public Map<String, HostTensor> read(Path modelDir) {
        return SafetensorsReader.readSharded(modelDir.resolve(fileName()));
    }
}

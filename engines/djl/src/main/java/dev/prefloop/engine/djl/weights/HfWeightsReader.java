package dev.prefloop.engine.djl.weights;

import dev.prefloop.core.error.ModelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * HfWeightsReader finds the weights of a Hugging Face model directory and reads them, trying the
 * files in transformers' order: model.safetensors, its sharded index, pytorch_model.bin (through
 * the restricted reader), its sharded index.
 */
public final class HfWeightsReader {

    private HfWeightsReader() {}

    /** The tensors of the first weights file found in {@code modelDir}, with HF names, as stored (no upcast). */
    public static Map<String, HostTensor> read(Path modelDir) {
        Path file = modelDir.resolve(ShardPlan.SINGLE_FILE);
        if (Files.isRegularFile(file)) {
            return SafetensorsReader.read(file);
        }
        file = modelDir.resolve(ShardPlan.INDEX_FILE);
        if (Files.isRegularFile(file)) {
            return SafetensorsReader.readSharded(file);
        }
        file = modelDir.resolve("pytorch_model.bin");
        if (Files.isRegularFile(file)) {
            return TorchCheckpointReader.read(file);
        }
        file = modelDir.resolve("pytorch_model.bin.index.json");
        if (Files.isRegularFile(file)) {
            return TorchCheckpointReader.readSharded(file);
        }
        throw new ModelException("no weights in " + modelDir + ": expected model.safetensors,"
                + " model.safetensors.index.json, pytorch_model.bin or pytorch_model.bin.index.json");
    }
}

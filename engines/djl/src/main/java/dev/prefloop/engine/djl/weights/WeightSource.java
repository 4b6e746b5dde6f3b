package dev.prefloop.engine.djl.weights;

import java.nio.file.Path;
import java.util.Map;

/**
 * WeightSource is one checkpoint file layout in a Hugging Face model directory (a single
 * safetensors file, sharded safetensors, a pytorch_model.bin, ...) that yields the directory's
 * tensors under their Hugging Face names; {@link CheckpointLoader} asks each source in turn.
 */
public interface WeightSource {

    /** The file this source reads, relative to the model directory, e.g. "model.safetensors". */
    String fileName();

    /** Whether this source's file is in the directory. */
    default boolean presentIn(Path modelDir) {
        return modelDir.resolve(fileName()).toFile().isFile();
    }

    /** Every tensor of the checkpoint, by name; nothing is converted yet. */
    Map<String, HostTensor> read(Path modelDir);
}

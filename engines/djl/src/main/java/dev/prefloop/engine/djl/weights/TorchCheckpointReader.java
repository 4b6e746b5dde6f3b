package dev.prefloop.engine.djl.weights;

import dev.prefloop.core.error.ModelException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * TorchCheckpointReader reads {@code pytorch_model.bin} state dicts in torch.save's zip format
 * through a {@link TorchArchive}, so a checkpoint can only ever yield tensors.
 */
public final class TorchCheckpointReader {

    private TorchCheckpointReader() {}

    /** The tensors of one checkpoint file, in the state dict's order. */
    public static Map<String, HostTensor> read(Path file) {
        try (TorchArchive archive = TorchArchive.open(file)) {
            if (!(archive.root() instanceof Map<?, ?> stateDict)) {
                throw new ModelException(file + ": the pickle holds "
                        + (archive.root() == null ? "None" : "a list or tuple") + ", not a state dict {name: tensor}");
            }
            Map<String, ByteBuffer> storages = new HashMap<>();
            Map<String, HostTensor> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : stateDict.entrySet()) {
                if (!(e.getKey() instanceof String name) || !TorchArchive.isTensor(e.getValue())) {
                    throw new ModelException(file + ": entry " + e.getKey() + " is not a tensor; a pytorch_model.bin"
                            + " must be a flat state dict {name: tensor}");
                }
                out.put(name, archive.tensor(e.getValue(), name, storages));
            }
            return out;
        }
    }

    /**
     * The tensors of a sharded checkpoint: {@code pytorch_model.bin.index.json}'s weight_map
     * names the shard of every tensor; each shard is read once.
     */
    public static Map<String, HostTensor> readSharded(Path indexFile) {
        return ShardIndex.readTensors(indexFile, TorchCheckpointReader::read);
    }
}

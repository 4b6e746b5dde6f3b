package dev.prefloop.engine.djl.weights;

import dev.prefloop.core.error.ModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * HfWeightsReader finds the weights of a Hugging Face model directory and reads them, taking the
 * first file present in transformers' order: model.safetensors, its sharded index,
 * pytorch_model.bin (through the restricted reader), its sharded index.
 */
public final class HfWeightsReader {

    /** The weight files transformers looks for, in its order of precedence. */
    public static final List<String> WEIGHT_FILES = List.of(ShardPlan.SINGLE_FILE, ShardPlan.INDEX_FILE,
            "pytorch_model.bin", "pytorch_model.bin.index.json");

    private HfWeightsReader() {}

    /** The file that {@link #read} reads for {@code modelDir}: the first of {@link #WEIGHT_FILES} present. */
    public static Path weightsFile(Path modelDir) {
        for (String name : WEIGHT_FILES) {
            Path file = modelDir.resolve(name);
            if (Files.isRegularFile(file)) {
                return file;
            }
        }
        throw new ModelException("no weights in " + modelDir + ": expected model.safetensors,"
                + " model.safetensors.index.json, pytorch_model.bin or pytorch_model.bin.index.json"
                + " (the directory holds: " + listing(modelDir) + ")");
    }

    /** The tensors of the first weights file found in {@code modelDir}, with HF names, as stored (no upcast). */
    public static Map<String, HostTensor> read(Path modelDir) {
        Path file = weightsFile(modelDir);
        return switch (WEIGHT_FILES.indexOf(file.getFileName().toString())) {
            case 0 -> SafetensorsReader.read(file);
            case 1 -> SafetensorsReader.readSharded(file);
            case 2 -> TorchCheckpointReader.read(file);
            default -> TorchCheckpointReader.readSharded(file);
        };
    }

    private static String listing(Path dir) {
        if (!Files.isDirectory(dir)) {
            return "nothing: it is not a directory";
        }
        try (Stream<Path> s = Files.list(dir)) {
            String names = s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.joining(", "));
            return names.isEmpty() ? "nothing" : names;
        } catch (IOException e) {
            return "unreadable: " + e.getMessage();
        }
    }
}

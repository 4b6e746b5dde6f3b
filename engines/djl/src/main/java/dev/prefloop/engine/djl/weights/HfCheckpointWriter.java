package dev.prefloop.engine.djl.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.core.error.UsageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * HfCheckpointWriter writes a Hugging Face model directory (config.json, generation_config.json,
 * safetensors weights, the tokenizer files of a source model) into a temporary directory and
 * renames it into place, so no partial checkpoint is ever visible under the target name.
 */
public final class HfCheckpointWriter {

    /**
     * The tokenizer and chat-template files transformers' tokenizers save, copied when present:
     * fast and slow (SentencePiece, BPE, WordPiece) vocabularies included.
     */
    public static final List<String> TOKENIZER_FILES = List.of(
            "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
            "chat_template.jinja", "chat_template.json", "tokenizer.model", "spm.model", "vocab.json",
            "merges.txt", "vocab.txt");

    /** safetensors dtype names as config.json's torch_dtype spells them. */
    private static final Map<String, String> TORCH_DTYPE_NAMES = Map.of(
            "F32", "float32", "F16", "float16", "BF16", "bfloat16", "F64", "float64");

    private static final SecureRandom RANDOM = new SecureRandom();

    private HfCheckpointWriter() {}

    /**
     * What a checkpoint holds.
     *
     * @param config config.json's tree; written with torch_dtype set to the weights' dtype
     * @param generationConfig generation_config.json's tree, or null to write none
     * @param tensors the weights with HF names, in state-dict order (the order shards follow)
     * @param tokenizerSource a model directory whose tokenizer files are copied, or null
     * @param extraFiles more text files by name (e.g. a tokenizer or a manifest), written last
     */
    public record Checkpoint(JsonNode config, JsonNode generationConfig, Map<String, HostTensor> tensors,
            Path tokenizerSource, Map<String, String> extraFiles) {

        public Checkpoint {
            extraFiles = plainNames(extraFiles);
        }

        /** A checkpoint without extra files. */
        public Checkpoint(JsonNode config, JsonNode generationConfig, Map<String, HostTensor> tensors,
                Path tokenizerSource) {
            this(config, generationConfig, tensors, tokenizerSource, Map.of());
        }
    }

    /**
     * Writes {@code checkpoint} as directory {@code target}, weights split at
     * {@code maxShardBytes} by transformers' rule. An existing non-empty {@code target} is a usage
     * error unless {@code replace}, in which case it is swapped out only once the new one is complete.
     */
    public static void write(Checkpoint checkpoint, Path target, long maxShardBytes, boolean replace) {
        if (!checkpoint.config().isObject()) {
            throw new IllegalArgumentException("config.json must be a JSON object");
        }
        Map<String, StreamedTensor> streamed = new LinkedHashMap<>();
        checkpoint.tensors().forEach((name, t) -> streamed.put(name, StreamedTensor.of(t)));
        Map<String, Supplier<String>> extra = new LinkedHashMap<>();
        checkpoint.extraFiles().forEach((name, text) -> extra.put(name, () -> text));
        StreamedCheckpoint c = new StreamedCheckpoint(checkpoint.config(), checkpoint.generationConfig(), streamed,
                checkpoint.tokenizerSource(), extra);
        writeDirectory(target, replace, dir -> fill(dir, c, maxShardBytes));
    }

    /**
     * A checkpoint whose tensors are produced while they are written (e.g. merged one at a time), so a model larger
     * than memory can be written; otherwise what {@link Checkpoint} is.
     *
     * @param config config.json's tree; written with torch_dtype set to the weights' dtype
     * @param generationConfig generation_config.json's tree, or null to write none
     * @param tensors the weights with HF names, in state-dict order (the order shards follow)
     * @param tokenizerSource a model directory whose tokenizer files are copied, or null
     * @param extraFiles more text files by name, their text made when they are written, after the weights (e.g. a
     *     manifest with the run's timings)
     */
    public record StreamedCheckpoint(JsonNode config, JsonNode generationConfig, Map<String, StreamedTensor> tensors,
            Path tokenizerSource, Map<String, Supplier<String>> extraFiles) {

        public StreamedCheckpoint {
            extraFiles = plainNames(extraFiles);
        }
    }

    /** {@link #write(Checkpoint, Path, long, boolean)} for tensors computed as they are written. */
    public static void write(StreamedCheckpoint checkpoint, Path target, long maxShardBytes, boolean replace) {
        if (!checkpoint.config().isObject()) {
            throw new IllegalArgumentException("config.json must be a JSON object");
        }
        writeDirectory(target, replace, dir -> fill(dir, checkpoint, maxShardBytes));
    }

    /**
     * What a PEFT adapter directory holds.
     *
     * @param adapterConfig adapter_config.json's tree
     * @param tensors the adapter's tensors under PEFT's names
     * @param tokenizerSource a model directory whose tokenizer files are copied, or null
     */
    public record AdapterCheckpoint(JsonNode adapterConfig, Map<String, HostTensor> tensors, Path tokenizerSource) {}

    /**
     * Writes a PEFT adapter directory {@code target} as PeftModel.save_pretrained does: adapter_model.safetensors
     * ({"format": "pt"} metadata), adapter_config.json (json.dumps(indent=2, sort_keys=True), no final newline), and
     * the tokenizer files TRL saves beside it; atomically, like {@link #write}.
     */
    public static void writeAdapter(AdapterCheckpoint adapter, Path target, boolean replace) {
        writeDirectory(target, replace, dir -> {
            SafetensorsWriter.write(dir.resolve("adapter_model.safetensors"), adapter.tensors());
            copyTokenizer(adapter.tokenizerSource(), dir);
            String json = HfJsonWriter.write(adapter.adapterConfig());
            AtomicFile.writeString(dir.resolve("adapter_config.json"), json.substring(0, json.length() - 1));
        });
    }

    private static <T> Map<String, T> plainNames(Map<String, T> extraFiles) {
        for (String name : extraFiles.keySet()) {
            if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
                throw new IllegalArgumentException("extra file \"" + name + "\" must be a plain visible file name");
            }
        }
        return Map.copyOf(extraFiles);
    }

    /** Fills a directory. */
    private interface Filler {
        void fill(Path dir) throws IOException;
    }

    private static void writeDirectory(Path target, boolean replace, Filler filler) {
        if (!replace && isNonEmptyDirectoryOrFile(target)) {
            throw new UsageException("output " + target + " already exists (replace it with --force)");
        }
        Path parent = target.toAbsolutePath().getParent();
        Path tmp = parent.resolve("." + target.getFileName() + ".tmp-" + suffix());
        try {
            Files.createDirectories(parent);
            Files.createDirectory(tmp);
            filler.fill(tmp);
            moveIntoPlace(tmp, target, replace);
        } catch (IOException e) {
            throw new ModelException("cannot write checkpoint " + target + ": " + e.getMessage(), e);
        } finally {
            deleteRecursively(tmp);
        }
    }

    /** config.json's dtype name for the weights: that of the first floating tensor, as transformers takes it. */
    static String torchDtype(Map<String, StreamedTensor> tensors) {
        for (StreamedTensor t : tensors.values()) {
            String name = TORCH_DTYPE_NAMES.get(t.dtype());
            if (name != null) {
                return name;
            }
        }
        return null;
    }

    private static void fill(Path dir, StreamedCheckpoint checkpoint, long maxShardBytes) throws IOException {
        ObjectNode config = ((ObjectNode) checkpoint.config()).deepCopy();
        String dtype = torchDtype(checkpoint.tensors());
        if (dtype != null) {
            // transformers >= 4.56 writes "dtype", earlier versions "torch_dtype"; keep the config's style
            boolean hasDtype = config.has("dtype");
            if (hasDtype) {
                config.put("dtype", dtype);
            }
            if (config.has("torch_dtype") || !hasDtype) {
                config.put("torch_dtype", dtype);
            }
        }
        AtomicFile.writeString(dir.resolve("config.json"), HfJsonWriter.write(config));
        if (checkpoint.generationConfig() != null) {
            AtomicFile.writeString(dir.resolve("generation_config.json"),
                    HfJsonWriter.write(checkpoint.generationConfig()));
        }
        SafetensorsWriter.writeShardedStreamed(dir, checkpoint.tensors(), maxShardBytes);
        copyTokenizer(checkpoint.tokenizerSource(), dir);
        for (Map.Entry<String, Supplier<String>> e : new java.util.TreeMap<>(checkpoint.extraFiles()).entrySet()) {
            AtomicFile.writeString(dir.resolve(e.getKey()), e.getValue().get());
        }
    }

    private static void copyTokenizer(Path source, Path dir) throws IOException {
        if (source == null) {
            return;
        }
        for (String name : TOKENIZER_FILES) {
            Path file = source.resolve(name);
            if (Files.isRegularFile(file)) {
                Files.copy(file, dir.resolve(name));
            }
        }
    }

    private static void moveIntoPlace(Path tmp, Path target, boolean replace) throws IOException {
        if (Files.isDirectory(target)) {
            try {
                Files.delete(target); // an empty directory, e.g. made by the caller, is simply taken over
            } catch (DirectoryNotEmptyException e) {
                if (!replace) {
                    throw new UsageException("output " + target + " already exists (replace it with --force)");
                }
                Path old = target.resolveSibling("." + target.getFileName() + ".old-" + suffix());
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                deleteRecursively(old);
                return;
            }
        } else if (Files.exists(target)) {
            if (!replace) {
                throw new UsageException("output " + target + " already exists (replace it with --force)");
            }
            Files.delete(target);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    }

    private static boolean isNonEmptyDirectoryOrFile(Path p) {
        if (!Files.exists(p)) {
            return false;
        }
        if (!Files.isDirectory(p)) {
            return true;
        }
        try (Stream<Path> s = Files.list(p)) {
            return s.findAny().isPresent();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteRecursively(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(q);
            }
        } catch (IOException e) {
            // a leftover hidden directory is harmless; the checkpoint itself is complete or absent
        }
    }

    private static String suffix() {
        return Long.toUnsignedString(RANDOM.nextLong(), 36);
    }
}

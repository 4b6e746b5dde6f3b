package dev.prefloop.engine.djl.text;

import dev.prefloop.core.output.FileFingerprint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** TokenizerFingerprint lists, for manifests, the files of a model directory that decide how text becomes ids. */
public final class TokenizerFingerprint {

    private static final List<String> FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "chat_template.jinja");

    private TokenizerFingerprint() {}

    /** Fingerprints of those files present in {@code modelDir}, in a fixed order. */
    public static List<FileFingerprint> of(Path modelDir) {
        List<FileFingerprint> out = new ArrayList<>();
        for (String f : FILES) {
            Path p = modelDir.resolve(f);
            if (Files.isRegularFile(p)) {
                out.add(FileFingerprint.of(p));
            }
        }
        return out;
    }
}

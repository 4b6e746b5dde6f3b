package dev.prefloop.engine.djl.judge;

import dev.prefloop.core.error.UsageException;
import dev.prefloop.core.judge.Judge;
import dev.prefloop.core.judge.JudgeFactory;
import dev.prefloop.core.judge.JudgeOptions;
import dev.prefloop.core.judge.JudgeSpec;
import dev.prefloop.core.output.FileFingerprint;
import dev.prefloop.engine.djl.model.ComputeDtype;
import dev.prefloop.engine.djl.model.DeviceSpec;
import dev.prefloop.engine.djl.model.LlamaModel;
import dev.prefloop.engine.djl.text.TokenizerFingerprint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** RewardModelJudgeFactory opens {@code rm:DIR} judges on DJL's PyTorch engine. */
public final class RewardModelJudgeFactory implements JudgeFactory {

    @Override
    public String kind() {
        return "rm";
    }

    @Override
    public String usage() {
        return "DIR (a *ForSequenceClassification model; scores prompt_ids + completions_ids, or text through its tokenizer"
                + " and chat template; --judge-device, --judge-dtype)";
    }

    @Override
    public Judge open(JudgeSpec spec, JudgeOptions o) {
        Path dir = modelDir(spec);
        return new RewardModelJudge(spec.target(), dir, LlamaModel.load(dir, DeviceSpec.parse(o.device()), ComputeDtype.parse(o.dtype())));
    }

    @Override
    public Map<String, Object> identity(JudgeSpec spec, JudgeOptions o) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("judge", spec.toString());
        m.put("judge_dtype", o.dtype());
        // The model's files decide its scores: the config, weights and tokenizer files are fingerprinted.
        List<FileFingerprint> files;
        try (Stream<Path> s = Files.list(modelDir(spec))) {
            files = s.filter(p -> {
                String n = p.getFileName().toString();
                return n.equals("config.json") || n.endsWith(".safetensors") || n.endsWith(".bin");
            }).sorted().map(FileFingerprint::of).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + spec.target(), e);
        }
        List<String> hashes = new java.util.ArrayList<>(files.stream().map(f -> f.sha256()).toList());
        TokenizerFingerprint.of(modelDir(spec)).forEach(f -> hashes.add(f.sha256()));
        m.put("judge_files", hashes);
        return m;
    }

    private static Path modelDir(JudgeSpec spec) {
        Path dir = Paths.get(spec.target());
        if (!Files.isDirectory(dir)) {
            throw new UsageException("--judge " + spec + ": " + dir + " is not a model directory");
        }
        return dir;
    }
}

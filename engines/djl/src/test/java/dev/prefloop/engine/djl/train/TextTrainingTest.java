package dev.prefloop.engine.djl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.data.ShardFormat;
import dev.prefloop.core.data.SliceSpec;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.core.progress.Progress;
import dev.prefloop.engine.djl.loss.LossSettings;
import dev.prefloop.engine.djl.text.TokenizationOptions;
import dev.prefloop.engine.djl.text.tiny.TinyTokenizerBuilder;
import dev.prefloop.engine.djl.text.tokenize.TokenizeService;
import dev.prefloop.engine.djl.text.tokenize.TokenizeSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training on text records equals training on the same records pre-tokenized by {@code prefloop tokenize}: the
 * final weights are the same bytes, for DPO and SFT, text and conversational records; and a single-turn
 * {@code messages} record trains exactly as its prompt-completion form.
 */
class TextTrainingTest {

    private static final int VOCAB = 400;

    @TempDir
    Path tmp;

    private Path model;

    @BeforeEach
    void tinyModelWithTokenizer() {
        model = TinyModel.write(tmp.resolve("model"), 3, VOCAB, TinyTokenizerBuilder.BOS_ID, TinyTokenizerBuilder.EOS_ID,
                TinyTokenizerBuilder.PAD_ID);
        TinyTokenizerBuilder.write(model, VOCAB, TinyTokenizerBuilder.builtInCorpus());
    }

    private Path write(String name, String jsonl) throws IOException {
        return Files.writeString(tmp.resolve(name), jsonl);
    }

    private Path tokenized(Path data) {
        Path out = tmp.resolve(data.getFileName() + ".tok");
        new TokenizeService(Progress.NONE).run(new TokenizeSettings(data.toString(), out, model, ShardFormat.JSONL,
                SliceSpec.ALL, TokenizationOptions.DEFAULT, false, true));
        return out;
    }

    private static TrainingArguments args(boolean sft) {
        return TrainingArguments.from(Map.of("learning_rate", "1e-2", "max_steps", "3", "batch_size", "4",
                "logging_steps", "1", "save_steps", "0", "lr_scheduler_type", "constant", "seed", "7"), sft);
    }

    private Path dpo(Path data, String name) {
        Path out = tmp.resolve(name);
        new PreferenceTraining(Progress.NONE).run(new PreferenceTrainingSettings(model, null, data.toString(), out,
                "cpu", args(false), List.of("sigmoid"), null, false, Double.NaN, Double.NaN, LossSettings.defaults(),
                TokenizationOptions.DEFAULT, false, false));
        return out;
    }

    private Path sft(Path data, String name) {
        Path out = tmp.resolve(name);
        new SftTraining(Progress.NONE).run(new SftTrainingSettings(model, data.toString(), out, "cpu", args(true),
                false, TokenizationOptions.DEFAULT, false, false));
        return out;
    }

    private void assertSameWeights(Path a, Path b) throws IOException {
        assertEquals(-1, Files.mismatch(a.resolve("model.safetensors"), b.resolve("model.safetensors")),
                a + " and " + b + " hold different weights");
        assertNotEquals(-1, Files.mismatch(a.resolve("model.safetensors"), model.resolve("model.safetensors")),
                "training changed nothing");
    }

    @Test
    void dpoOnTextEqualsDpoOnItsTokenizedForm() throws IOException {
        Path data = write("pairs.jsonl", """
                {"prompt": "What is 2+3?", "chosen": " 5", "rejected": " 6"}
                {"prompt": "What is 4+4?", "chosen": " 8", "rejected": " 9"}
                {"prompt": "What is 7+1?", "chosen": " 8", "rejected": " 7"}
                {"prompt": [{"role": "user", "content": "What is 1+1?"}], "chosen": [{"role": "assistant", "content": "2"}], "rejected": [{"role": "assistant", "content": "11"}]}
                {"prompt": [{"role": "user", "content": "What is 3+3?"}], "chosen": [{"role": "assistant", "content": "6"}], "rejected": [{"role": "assistant", "content": "33"}]}
                """);
        Path text = dpo(data, "dpo-text");
        Path ids = dpo(tokenized(data), "dpo-ids");
        assertSameWeights(text, ids);
        // the copied tokenizer makes the trained model usable by the next verb
        assertTrue(Files.isRegularFile(text.resolve("tokenizer.json")));
        assertTrue(Files.isRegularFile(text.resolve("tokenizer_config.json")));
    }

    @Test
    void sftOnTextEqualsSftOnItsTokenizedForm() throws IOException {
        Path data = write("sft.jsonl", """
                {"prompt": "What is 2+3?", "completion": " 5"}
                {"prompt": "What is 4+4?", "completion": " 8"}
                {"prompt": [{"role": "user", "content": "What is 1+1?"}], "completion": [{"role": "assistant", "content": "2"}]}
                {"prompt": [{"role": "user", "content": "What is 3+3?"}], "completion": [{"role": "assistant", "content": "6"}]}
                """);
        assertSameWeights(sft(data, "sft-text"), sft(tokenized(data), "sft-ids"));
    }

    @Test
    void multiTurnSftOnMessagesEqualsSftOnTheirAssistantMaskedTokenizedForm() throws IOException {
        Path data = write("multi.jsonl", """
                {"messages": [{"role": "user", "content": "1+1?"}, {"role": "assistant", "content": "2"}, {"role": "user", "content": "and 2+2?"}, {"role": "assistant", "content": "4"}]}
                {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "3+3?"}, {"role": "assistant", "content": "6"}]}
                """);
        Path tokenized = tokenized(data);
        JsonNode first = JsonCodec.mapper().readTree(Files.readAllLines(tokenized.resolve("part-00000.jsonl")).get(0));
        int ones = 0;
        for (JsonNode m : first.get("assistant_masks")) {
            ones += m.asInt();
        }
        assertEquals(first.get("input_ids").size(), first.get("assistant_masks").size());
        assertTrue(ones > 0 && ones < first.get("input_ids").size(), "both assistant turns and only they: " + ones);
        assertSameWeights(sft(data, "sft-messages"), sft(tokenized, "sft-masked-ids"));
    }

    @Test
    void singleTurnMessagesTrainAsTheirPromptCompletionForm() throws IOException {
        Path messages = write("messages.jsonl", """
                {"messages": [{"role": "user", "content": "What is 1+1?"}, {"role": "assistant", "content": "2"}]}
                {"messages": [{"role": "user", "content": "What is 3+3?"}, {"role": "assistant", "content": "6"}]}
                {"messages": [{"role": "user", "content": "What is 2+5?"}, {"role": "assistant", "content": "7"}]}
                """);
        Path conversational = write("conversational.jsonl", """
                {"prompt": [{"role": "user", "content": "What is 1+1?"}], "completion": [{"role": "assistant", "content": "2"}]}
                {"prompt": [{"role": "user", "content": "What is 3+3?"}], "completion": [{"role": "assistant", "content": "6"}]}
                {"prompt": [{"role": "user", "content": "What is 2+5?"}], "completion": [{"role": "assistant", "content": "7"}]}
                """);
        assertSameWeights(sft(messages, "sft-messages"), sft(conversational, "sft-conversational"));
    }

    @Test
    void theManifestNamesTheTokenizerAndARerunIsANoOp() throws IOException {
        Path data = write("sft.jsonl", "{\"prompt\": \"What is 2+3?\", \"completion\": \" 5\"}\n");
        Path out = sft(data, "sft-once");
        String manifest = Files.readString(out.resolve("_manifest.json"));
        assertTrue(manifest.contains("tokenizer.json") && manifest.contains("tokenizer_config.json"), manifest);
        assertTrue(manifest.contains("\"verb\" : \"sft\""), manifest);
        long written = Files.getLastModifiedTime(out.resolve("model.safetensors")).toMillis();
        TrainResult again = new SftTraining(Progress.NONE).run(new SftTrainingSettings(model, data.toString(), out,
                "cpu", args(true), false, TokenizationOptions.DEFAULT, false, false));
        assertTrue(again.upToDate());
        assertEquals(written, Files.getLastModifiedTime(out.resolve("model.safetensors")).toMillis());
        // other options are another run: OUT is not silently replaced
        assertThrows(dev.prefloop.core.error.UsageException.class, () -> new SftTraining(Progress.NONE).run(
                new SftTrainingSettings(model, data.toString(), out, "cpu", args(true), false,
                        new TokenizationOptions(0, 0, "{\"x\": 1}", null), false, false)));
    }

    @Test
    void textWithoutATokenizerIsAModelErrorAndLeavesNoOutput() throws IOException {
        Path bare = TinyModel.write(tmp.resolve("bare"), 3, VOCAB, 1, 3, 0);
        Path data = write("pairs.jsonl", "{\"prompt\": \"a\", \"chosen\": \" b\", \"rejected\": \" c\"}\n");
        Path out = tmp.resolve("out");
        ModelException e = assertThrows(ModelException.class, () -> new PreferenceTraining(Progress.NONE).run(
                new PreferenceTrainingSettings(bare, null, data.toString(), out, "cpu", args(false), List.of("sigmoid"),
                        null, false, Double.NaN, Double.NaN, LossSettings.defaults(), TokenizationOptions.DEFAULT, false,
                        false)));
        assertTrue(e.getMessage().contains("pairs.jsonl") && e.getMessage().contains("no tokenizer.json"),
                e.getMessage());
        assertTrue(Files.notExists(out));
    }
}

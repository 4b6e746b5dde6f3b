package dev.prefloop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prefloop.core.data.JsonCodec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** prefloop train and sft from the command line: options, --config, errors with exit codes and no output left. */
class TrainCommandTest {

    @TempDir
    Path tmp;

    private Path model;
    private Path pairs;
    private String out;
    private String err;

    @BeforeEach
    void data() throws Exception {
        // The engine's random llama fixture (vocab 256, hidden 64, 2 layers); surefire runs in cli/.
        model = Path.of("../engines/djl/src/test/resources/hf-parity/llama-gqa").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(model.resolve("model.safetensors")), model.toString());
        Random r = new Random(1);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            s.append(String.format("{\"prompt_ids\": [%d, %d, %d], \"chosen_ids\": [%d, %d], \"rejected_ids\": [%d]}%n",
                    3 + r.nextInt(200), 3 + r.nextInt(200), 3 + r.nextInt(200), 3 + r.nextInt(200), 3 + r.nextInt(200),
                    3 + r.nextInt(200)));
        }
        s.append("{\"prompt_ids\": [1], \"chosen_ids\": [], \"rejected_ids\": [5]}\n");
        pairs = Files.writeString(tmp.resolve("pairs.jsonl"), s.toString());
    }

    private int run(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        CommandLine cl = Prefloop.commandLine();
        cl.setOut(new PrintWriter(o));
        cl.setErr(new PrintWriter(e));
        int code = cl.execute(args);
        out = o.toString();
        err = e.toString();
        return code;
    }

    @Test
    void listLossesPrintsOneLinePerLoss() {
        assertEquals(0, run("train", "--list-losses"));
        assertTrue(out.lines().anyMatch(l -> l.startsWith("sigmoid ") && l.contains("cdpo")), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("aot_pair ")), out);
    }

    @Test
    void aConfigFileAndTheCommandLineTrainAndWriteTheOutput() throws Exception {
        Path config = Files.writeString(tmp.resolve("dpo.yaml"), """
                learning_rate: 1.0e-4
                max_steps: 3
                per_device_train_batch_size: 4
                save-steps: 2
                logging_steps: 1
                beta: 0.25
                """);
        Path o = tmp.resolve("run");
        assertEquals(0, run("train", "--model", model.toString(), "--data", pairs.toString(), "--out", o.toString(),
                "--config", config.toString(), "--learning-rate", "5e-4", "--device", "cpu", "--json"), err);
        JsonNode summary = JsonCodec.mapper().readTree(out);
        assertEquals(3, summary.get("steps").asInt());
        assertEquals(1, summary.get("skipped_records").get("empty response").asInt());
        JsonNode args = JsonCodec.mapper().readTree(o.resolve("checkpoint-2").resolve("training_args.json").toFile());
        assertEquals(5e-4, args.get("learning_rate").asDouble(), "the command line wins");
        assertEquals(4, args.get("per_device_train_batch_size").asInt(), "TRL's name in --config");
        assertEquals(3, Files.readAllLines(o.resolve("metrics.jsonl")).size());
        for (String f : new String[] {"config.json", "model.safetensors", "ref_logps.safetensors"}) {
            assertTrue(Files.isRegularFile(o.resolve(f)), f);
        }
        // A second run into the same OUT must say how to continue or replace.
        assertEquals(2, run("train", "--model", model.toString(), "--data", pairs.toString(), "--out", o.toString()));
        assertTrue(err.contains("--resume") && err.contains("--force"), err);
        // --force with bad data fails before touching the previous run's output.
        Path bad = Files.writeString(tmp.resolve("bad.jsonl"), "{\"prompt_ids\": [1]}\n");
        assertEquals(3, run("train", "--model", model.toString(), "--data", bad.toString(), "--out", o.toString(),
                "--force"));
        assertTrue(Files.isRegularFile(o.resolve("model.safetensors")), "the previous output is kept");
    }

    @Test
    void aLossOptionTheLossDoesNotReadIsAUsageErrorAndLeavesNothing() {
        Path o = tmp.resolve("run");
        assertEquals(2, run("train", "--model", model.toString(), "--data", pairs.toString(), "--out", o.toString(),
                "--loss", "hinge", "--label-smoothing", "0.1"));
        assertEquals("prefloop train: error: --label-smoothing is not used by --loss hinge (it reads: beta,"
                + " f-divergence-type, f-alpha-divergence-coef)", err.strip());
        assertFalse(Files.exists(o));
    }

    @Test
    void sgdpoTrainsWithItsPilotFractionsAndRefusesOnesOutOfRange() throws Exception {
        Path o = tmp.resolve("sgdpo");
        assertEquals(0, run("train", "--loss", "sgdpo", "--r1", "0.5", "--r2", "1", "--model", model.toString(), "--data",
                pairs.toString(), "--out", o.toString(), "--max-steps", "2", "--batch-size", "4", "--logging-steps", "1",
                "--device", "cpu"), err);
        assertTrue(Files.isRegularFile(o.resolve("ref_token_logps.safetensors")), "per-token reference cache");
        assertEquals(2, Files.readAllLines(o.resolve("metrics.jsonl")).size());
        Path bad = tmp.resolve("bad");
        assertEquals(2, run("train", "--loss", "sgdpo", "--r1", "1.5", "--model", model.toString(), "--data",
                pairs.toString(), "--out", bad.toString()));
        assertTrue(err.contains("r1") && err.contains("(0, 1]"), err);
        assertFalse(Files.exists(bad));
        assertEquals(2, run("train", "--r1", "0.5", "--model", model.toString(), "--data", pairs.toString(), "--out",
                bad.toString()));
        assertTrue(err.contains("--r1 is not used by --loss sigmoid"), err);
    }

    @Test
    void xpoRefusesPairsThatDoNotNameTheReferencesCompletionWithExitCode3AndNoOutput() throws Exception {
        Path o = tmp.resolve("xpo");
        assertEquals(3, run("train", "--loss", "xpo", "--xpo-alpha", "1e-5", "--model", model.toString(), "--data",
                pairs.toString(), "--out", o.toString()));
        assertTrue(err.contains("pairs.jsonl, line 1: --loss xpo needs to know which completion the reference model"
                + " generated"), err);
        assertFalse(Files.exists(o));
        Path hybrid = Files.writeString(tmp.resolve("hybrid.jsonl"), """
                {"prompt_ids": [5, 6], "chosen_ids": [7, 8], "rejected_ids": [9], "generator_chosen": "pi", "generator_rejected": "ref"}
                {"prompt_ids": [5, 9], "chosen_ids": [7], "rejected_ids": [9, 3], "generators": ["ref", "pi"]}
                """);
        assertEquals(0, run("train", "--loss", "xpo", "--xpo-alpha", "1e-5", "--model", model.toString(), "--data",
                hybrid.toString(), "--out", o.toString(), "--max-steps", "1", "--device", "cpu"), err);
        assertTrue(Files.isRegularFile(o.resolve("model.safetensors")));
    }

    @Test
    void iopoWritesBothPlayersAndRefusesItsOptionsElsewhere() throws Exception {
        Path o = tmp.resolve("iopo");
        assertEquals(0, run("train", "--loss", "iopo", "--epsilon", "0.2", "--iopo-ratio", "mean-token",
                "--iopo-steps-mu", "1", "--iopo-steps-nu", "1", "--iopo-rounds", "2", "--adversary-objective", "zero-sum",
                "--model", model.toString(), "--data", pairs.toString(), "--out", o.toString(), "--batch-size", "4",
                "--logging-steps", "1", "--device", "cpu", "--json"), err);
        assertEquals(3, JsonCodec.mapper().readTree(out).get("steps").asInt());
        assertTrue(Files.isRegularFile(o.resolve("model.safetensors")), "protagonist at OUT");
        assertTrue(Files.isRegularFile(o.resolve("adversary").resolve("model.safetensors")), "adversary at OUT/adversary");
        assertEquals(java.util.List.of("protagonist", "adversary", "protagonist"), Files.readAllLines(
                o.resolve("metrics.jsonl")).stream().map(l -> l.replaceAll(".*\"iopo/player\":\"(\\w+)\".*", "$1"))
                .toList());
        Path bad = tmp.resolve("bad");
        assertEquals(2, run("train", "--iopo-rounds", "3", "--model", model.toString(), "--data", pairs.toString(),
                "--out", bad.toString()));
        assertTrue(err.contains("--iopo-rounds is read by --loss iopo only"), err);
        assertEquals(2, run("train", "--loss", "iopo", "--ref", model.toString(), "--model", model.toString(), "--data",
                pairs.toString(), "--out", bad.toString()));
        assertTrue(err.contains("no separate reference"), err);
        assertFalse(Files.exists(bad));
    }

    @Test
    void anUnknownConfigKeyIsAUsageError() throws Exception {
        Path config = Files.writeString(tmp.resolve("c.yaml"), "gradient_checkpointing: true\n");
        assertEquals(2, run("train", "--model", model.toString(), "--data", pairs.toString(), "--out",
                tmp.resolve("run").toString(), "--config", config.toString()));
        assertTrue(err.contains("unknown option 'gradient_checkpointing'"), err);
        assertFalse(Files.exists(tmp.resolve("run")));
    }

    @Test
    void malformedPairsNameFileLineAndFieldWithExitCode3AndNoOutput() throws Exception {
        Path bad = Files.writeString(tmp.resolve("bad.jsonl"), "{\"prompt_ids\": [1], \"chosen_ids\": [2]}\n");
        Path o = tmp.resolve("run");
        assertEquals(3, run("train", "--model", model.toString(), "--data", bad.toString(), "--out", o.toString()));
        assertTrue(err.contains("bad.jsonl, line 1: field 'rejected_ids' is missing"), err);
        assertFalse(Files.exists(o));
    }

    @Test
    void resumeWithoutACheckpointIsAUsageError() {
        assertEquals(2, run("train", "--model", model.toString(), "--data", pairs.toString(), "--out",
                tmp.resolve("none").toString(), "--resume"));
        assertTrue(err.contains("holds no complete checkpoint-N"), err);
    }

    @Test
    void sftTrainsOnCompletionRecords() throws Exception {
        Path data = Files.writeString(tmp.resolve("sft.jsonl"), """
                {"prompt_ids": [5, 6, 7], "completion_ids": [8, 9]}
                {"completion_ids": [10, 11, 12]}
                {"prompt_ids": [5], "completion_ids": []}
                """);
        Path o = tmp.resolve("sft");
        assertEquals(0, run("sft", "--model", model.toString(), "--data", data.toString(), "--out", o.toString(),
                "--max-steps", "2", "--batch-size", "2", "--logging-steps", "1", "--json"), err);
        JsonNode summary = JsonCodec.mapper().readTree(out);
        assertEquals(2, summary.get("steps").asInt());
        assertEquals(1, summary.get("skipped_records").get("empty response").asInt());
        assertTrue(Files.isRegularFile(o.resolve("model.safetensors")));
        assertEquals(0, run("sft", "--model", model.toString(), "--data", data.toString(), "--out",
                tmp.resolve("packed").toString(), "--max-steps", "1", "--packing", "--max-length", "16"), err);
        assertTrue(Files.isRegularFile(tmp.resolve("packed").resolve("model.safetensors")));
        assertEquals(2, sftUsage("--beta", "0.1"), "a loss option is not an sft option");
    }

    @Test
    void textRecordsNeedTheModelsTokenizerExitCode4AndNoOutput() throws Exception {
        Path text = Files.writeString(tmp.resolve("text.jsonl"), "{\"prompt\": \"2+3=\", \"chosen\": \"5\","
                + " \"rejected\": \"6\"}\n");
        Path o = tmp.resolve("run");
        assertEquals(4, run("train", "--model", model.toString(), "--data", text.toString(), "--out", o.toString()));
        assertTrue(err.contains("text.jsonl, line 1: the record is text (no token ids)")
                && err.contains("no tokenizer.json"), err);
        assertFalse(Files.exists(o));
    }

    @Test
    void chatTemplateKwargsMustBeAJsonObject() {
        Path o = tmp.resolve("run");
        assertEquals(2, run("sft", "--model", model.toString(), "--data", pairs.toString(), "--out", o.toString(),
                "--chat-template-kwargs", "[1]"));
        assertTrue(err.contains("--chat-template-kwargs: expected a JSON object"), err);
        assertFalse(Files.exists(o));
    }

    @Test
    void chatTemplateKwargsComeFromTheConfigFileAndAnUnknownMappingIsAUsageError() throws Exception {
        Path config = Files.writeString(tmp.resolve("kw.yaml"), """
                max_steps: 1
                chat_template_kwargs:
                  enable_thinking: false
                """);
        Path o = tmp.resolve("kw");
        assertEquals(0, run("train", "--model", model.toString(), "--data", pairs.toString(), "--out", o.toString(),
                "--config", config.toString(), "--batch-size", "4"), err);
        JsonNode manifest = JsonCodec.mapper().readTree(o.resolve("_manifest.json").toFile());
        assertTrue(manifest.toString().contains("\"chat_template_kwargs\":{\"enable_thinking\":false}"),
                manifest.toString());
        Path bad = Files.writeString(tmp.resolve("bad.yaml"), "model_init_kwargs:\n  torch_dtype: bfloat16\n");
        assertEquals(2, run("train", "--model", model.toString(), "--data", pairs.toString(), "--out",
                tmp.resolve("bad").toString(), "--config", bad.toString()));
        assertTrue(err.contains("model_init_kwargs"), err);
    }

    @Test
    void theSameRunAgainIsUpToDate() throws Exception {
        Path o = tmp.resolve("run");
        String[] args = {"train", "--model", model.toString(), "--data", pairs.toString(), "--out", o.toString(),
            "--max-steps", "1", "--batch-size", "4", "--json"};
        assertEquals(0, run(args), err);
        assertEquals("done", JsonCodec.mapper().readTree(out).get("status").asText());
        assertEquals(0, run(args), err);
        assertEquals("up-to-date", JsonCodec.mapper().readTree(out).get("status").asText());
    }

    @Test
    void loraFromAConfigFileWritesAPeftAdapterAndResumes() throws Exception {
        Path config = Files.writeString(tmp.resolve("lora.yaml"), """
                use_peft: true
                lora_r: 4
                lora_alpha: 8
                lora_target_modules: [q_proj, v_proj, down_proj]
                max_steps: 4
                per_device_train_batch_size: 4
                save_steps: 2
                """);
        Path o = tmp.resolve("lora");
        assertEquals(0, run("train", "--model", model.toString(), "--data", pairs.toString(), "--out", o.toString(),
                "--config", config.toString(), "--learning-rate", "1e-3", "--json"), err);
        assertEquals(4, JsonCodec.mapper().readTree(out).get("steps").asInt());
        JsonNode adapter = JsonCodec.mapper().readTree(o.resolve("adapter_config.json").toFile());
        assertEquals(4, adapter.get("r").asInt());
        assertEquals(8, adapter.get("lora_alpha").asInt());
        assertEquals("LORA", adapter.get("peft_type").asText());
        assertFalse(Files.exists(o.resolve("model.safetensors")), "a LoRA run writes the adapter only");
        assertEquals(0, run("train", "--model", model.toString(), "--data", pairs.toString(), "--out", o.toString(),
                "--config", config.toString(), "--learning-rate", "1e-3", "--json"), err);
        assertEquals("up-to-date", JsonCodec.mapper().readTree(out).get("status").asText());
        // Another rank is another run.
        assertEquals(2, run("train", "--model", model.toString(), "--data", pairs.toString(), "--out", o.toString(),
                "--config", config.toString(), "--learning-rate", "1e-3", "--lora-r", "8"));
        assertTrue(err.contains("--resume") && err.contains("--force"), err);
        // --resume from the checkpoint: with another rank, or without LoRA, it says what differs.
        assertEquals(2, run("train", "--model", model.toString(), "--data", pairs.toString(), "--out", o.toString(),
                "--config", config.toString(), "--learning-rate", "1e-3", "--lora-r", "8", "--resume"));
        assertTrue(err.contains("lora_r = 4, this run asks for 8"), err);
        assertEquals(2, run("train", "--model", model.toString(), "--data", pairs.toString(), "--out", o.toString(),
                "--max-steps", "4", "--batch-size", "4", "--save-steps", "2", "--learning-rate", "1e-3", "--resume"));
        assertTrue(err.contains("holds a LoRA adapter"), err);
        assertEquals(0, run("train", "--model", model.toString(), "--data", pairs.toString(), "--out", o.toString(),
                "--config", config.toString(), "--learning-rate", "1e-3", "--resume", "--json"), err);
        assertEquals(4, JsonCodec.mapper().readTree(out).get("steps").asInt());
    }

    @Test
    void loraContinuesAPeftAdapterAndTakesAReferenceAdapter() throws Exception {
        Path peft = Path.of("../engines/djl/src/test/resources/lora/peft-llama-gqa").toAbsolutePath().normalize();
        Path o = tmp.resolve("continued");
        assertEquals(0, run("train", "--model", model.toString(), "--data", pairs.toString(), "--out", o.toString(),
                "--adapter", peft.toString(), "--ref-adapter", peft.toString(), "--max-steps", "2", "--batch-size",
                "4", "--save-steps", "0", "--json"), err);
        JsonNode adapter = JsonCodec.mapper().readTree(o.resolve("adapter_config.json").toFile());
        assertEquals(2, adapter.get("rank_pattern").get("down_proj").asInt(), "the continued adapter's own config");
        assertEquals(0, run("sft", "--model", model.toString(), "--data", Files.writeString(tmp.resolve("s.jsonl"),
                "{\"prompt_ids\": [5, 6], \"completion_ids\": [8, 9]}\n").toString(), "--out",
                tmp.resolve("sft").toString(), "--use-peft", "--max-steps", "1"), err);
        assertTrue(Files.isRegularFile(tmp.resolve("sft").resolve("adapter_model.safetensors")));
    }

    @Test
    void badLoraOptionsAndAdaptersFailWithTheirExitCodeAndLeaveNoOutput() throws Exception {
        Path o = tmp.resolve("bad");
        Path peft = Path.of("../engines/djl/src/test/resources/lora/peft-llama-gqa").toAbsolutePath().normalize();
        String[] base = {"train", "--model", model.toString(), "--data", pairs.toString(), "--out", o.toString(),
            "--max-steps", "1"};
        assertEquals(2, run(concat(base, "--lora-target", "qkv_proj")));
        assertTrue(err.contains("qkv_proj") && err.contains("q_proj"), err);
        assertEquals(2, run(concat(base, "--lora-r", "0")));
        assertTrue(err.contains("--lora-r"), err);
        assertEquals(2, run(concat(base, "--lora-dropout", "1.5")));
        assertEquals(2, run(concat(base, "--dtype", "float16")));
        assertTrue(err.contains("needs LoRA"), err);
        assertEquals(2, run(concat(base, "--use-peft", "--dtype", "float16")));
        assertTrue(err.contains("GPU") || err.contains("CPU"), err);
        assertEquals(2, run(concat(base, "--ref-adapter", peft.toString())));
        assertEquals(2, run(concat(base, "--adapter", peft.toString(), "--lora-r", "8")));
        assertEquals(2, run(concat(base, "--adapter", tmp.toString())));
        assertTrue(err.contains("not a PEFT adapter directory"), err);
        // An adapter whose config does not describe its tensors (the rank_pattern dropped): exit 4, a model problem
        Path broken = Files.createDirectories(tmp.resolve("broken"));
        Files.copy(peft.resolve("adapter_model.safetensors"), broken.resolve("adapter_model.safetensors"));
        Files.writeString(broken.resolve("adapter_config.json"), Files.readString(peft.resolve("adapter_config.json"))
                .replace("\"down_proj\": 2", "\"down_proj_x\": 2"));
        assertEquals(4, run(concat(base, "--adapter", broken.toString())));
        assertTrue(err.contains("down_proj") && err.contains("rank"), err);
        assertFalse(Files.exists(o), "no output left: " + err);
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private int sftUsage(String... extra) {
        String[] args = new String[] {"sft", "--model", model.toString(), "--data", pairs.toString(), "--out",
                tmp.resolve("x").toString(), extra[0], extra[1]};
        return run(args);
    }
}

package dev.prefloop.engine.djl.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.ShardFormat;
import dev.prefloop.core.data.SliceSpec;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.core.progress.Progress;
import dev.prefloop.engine.djl.generate.SamplingSettings;
import dev.prefloop.engine.djl.init.InitService;
import dev.prefloop.engine.djl.init.InitSettings;
import dev.prefloop.engine.djl.init.ModelPreset;
import dev.prefloop.engine.djl.merge.MergeDtype;
import dev.prefloop.engine.djl.merge.MergeService;
import dev.prefloop.engine.djl.merge.MergeSettings;
import dev.prefloop.engine.djl.model.ComputeDtype;
import dev.prefloop.engine.djl.model.DecoderConfig;
import dev.prefloop.engine.djl.model.DeviceSpec;
import dev.prefloop.engine.djl.model.LlamaModel;
import dev.prefloop.engine.djl.model.LoraAdapter;
import dev.prefloop.engine.djl.model.LoraAdapterFiles;
import dev.prefloop.engine.djl.model.LoraConfig;
import dev.prefloop.engine.djl.model.ModelHead;
import dev.prefloop.engine.djl.weights.HfCheckpointWriter;
import dev.prefloop.engine.djl.weights.HostTensor;
import dev.prefloop.engine.djl.weights.ShardPlan;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sample with LoRA adapters on a tiny model: --adapter is reproducible and changes the responses; a LoRA policy and
 * its reference share one loaded base; PILAF over base + adapters samples what it samples over the merged models.
 */
class SampleAdapterTest {

    @TempDir
    static Path shared;

    @TempDir
    Path tmp;

    static Path base;
    static Path policyAdapter;
    static Path refAdapter;
    static Path prompts;

    @BeforeAll
    static void models() throws IOException {
        base = shared.resolve("base");
        new InitService().run(new InitSettings(ModelPreset.parse("tiny"), null, null, false, base, 1, false));
        policyAdapter = randomAdapter(base, shared.resolve("a1"), 1);
        refAdapter = randomAdapter(base, shared.resolve("a2"), 2);
        prompts = shared.resolve("prompts.jsonl");
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            b.append("{\"id\": \"q").append(i).append("\", \"prompt\": \"What is ").append(i).append(" + ")
                    .append(i * 3).append("?\"}\n");
        }
        Files.writeString(prompts, b.toString());
    }

    /** A PEFT adapter on every projection with random A and B (B = 0 would change nothing), large enough to matter. */
    static Path randomAdapter(Path model, Path dir, long seed) {
        DecoderConfig c = DecoderConfig.read(model);
        LoraConfig config = LoraConfig.forTraining(4, 8, 0, List.of(LoraConfig.ALL_LINEAR), false,
                ModelHead.CAUSAL_LM);
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        for (LoraConfig.Target t : config.targets(c)) {
            String name = LoraAdapter.PEFT_PREFIX + t.module();
            tensors.put(name + ".lora_A.weight", uniform(rng, new long[] {t.rank(), t.in()}, 1 / Math.sqrt(t.in())));
            tensors.put(name + ".lora_B.weight", uniform(rng, new long[] {t.out(), t.rank()}, 0.5));
        }
        HfCheckpointWriter.writeAdapter(new HfCheckpointWriter.AdapterCheckpoint(
                LoraAdapterFiles.configJson(config, model.toString()), tensors, null), dir, false);
        return dir;
    }

    private static HostTensor uniform(SplittableRandom rng, long[] shape, double bound) {
        int n = Math.toIntExact(shape[0] * shape[1]);
        ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putFloat(4 * i, (float) ((rng.nextDouble() * 2 - 1) * bound));
        }
        return new HostTensor("F32", shape, b);
    }

    private SampleSettings settings(Path model, Path adapter, Path ref, Path refAdapter, SampleScheme scheme,
            String out) {
        return new SampleSettings(model, adapter, ref, refAdapter, prompts.toString(), tmp.resolve(out),
                ShardFormat.JSONL, scheme, 2, 0.1, new SamplingSettings(1, 0, 1, 0, 1, 6, List.of(), 11), 0, 4, true,
                0, true, DeviceSpec.CPU, ComputeDtype.FLOAT32, SliceSpec.ALL, false, false);
    }

    private static List<ObjectNode> run(SampleSettings s) {
        new SampleService(Progress.NONE).run(s);
        return SampleServiceTest.read(s.out());
    }

    private static List<JsonNode> field(List<ObjectNode> records, String f) {
        return records.stream().map(r -> (JsonNode) r.get(f)).toList();
    }

    @Test
    void anAdapterIsReproducibleAndChangesTheResponses() {
        List<ObjectNode> a = run(settings(base, policyAdapter, null, null, SampleScheme.VANILLA, "a"));
        List<ObjectNode> b = run(settings(base, policyAdapter, null, null, SampleScheme.VANILLA, "b"));
        List<ObjectNode> plain = run(settings(base, null, null, null, SampleScheme.VANILLA, "plain"));
        assertEquals(field(a, "completions_ids"), field(b, "completions_ids"));
        assertEquals(field(a, "logps"), field(b, "logps"));
        assertNotEquals(field(plain, "completions_ids"), field(a, "completions_ids"));
        assertTrue(a.stream().noneMatch(r -> r.has("ref_logps")), "vanilla with --adapter alone has no reference");

        // the output directory of a run with one adapter is not "up to date" for another
        UsageException e = assertThrows(UsageException.class,
                () -> run(settings(base, refAdapter, null, null, SampleScheme.VANILLA, "a")));
        assertTrue(e.getMessage().contains("--force"), e.getMessage());
    }

    @Test
    void aLoraPolicyAndItsReferenceShareOneBase() {
        for (Path ref : new Path[] {null, base}) {
            try (SampleModels models = SampleModels.load(settings(base, policyAdapter, ref, refAdapter,
                    SampleScheme.PILAF, "x"))) {
                LlamaModel policy = models.policy();
                LlamaModel reference = models.ref();
                assertNotSame(policy.adapter(), reference.adapter());
                assertEquals(policy.parameters().keySet(), reference.parameters().keySet());
                for (Map.Entry<String, NDArray> e : policy.parameters().entrySet()) {
                    assertSame(e.getValue(), reference.parameters().get(e.getKey()), "one copy of " + e.getKey());
                }
            }
        }
        // --adapter alone: the reference is the base itself, the adapter disabled
        try (SampleModels models = SampleModels.load(settings(base, policyAdapter, null, null, SampleScheme.PILAF,
                "y"))) {
            assertEquals(null, models.ref().adapter());
            assertSame(models.policy().parameters().get("lm_head.weight"),
                    models.ref().parameters().get("lm_head.weight"));
        }
        // another --ref directory is another model
        Path copy = shared.resolve("base-copy");
        new InitService().run(new InitSettings(ModelPreset.parse("tiny"), null, null, false, copy, 1, false));
        try (SampleModels models = SampleModels.load(settings(base, policyAdapter, copy, null, SampleScheme.PILAF,
                "z"))) {
            assertNotSame(models.policy().parameters().get("lm_head.weight"),
                    models.ref().parameters().get("lm_head.weight"));
        }
    }

    @Test
    void pilafOverBasePlusAdaptersSamplesWhatItSamplesOverTheMergedModels() {
        Path merged1 = tmp.resolve("m1");
        Path merged2 = tmp.resolve("m2");
        for (Path[] m : new Path[][] {{policyAdapter, merged1}, {refAdapter, merged2}}) {
            new MergeService(Progress.NONE).run(new MergeSettings(base, m[0], m[1], MergeDtype.AUTO,
                    ShardPlan.DEFAULT_MAX_SHARD_BYTES, false));
        }
        List<ObjectNode> lora = run(settings(base, policyAdapter, null, refAdapter, SampleScheme.PILAF, "lora"));
        List<ObjectNode> full = run(settings(merged1, null, merged2, null, SampleScheme.PILAF, "full"));
        assertEquals(field(full, "generators"), field(lora, "generators"));
        assertEquals(field(full, "completions_ids"), field(lora, "completions_ids"));
        assertTrue(lora.stream().anyMatch(r -> r.get("generators").get(0).asText().equals("pi+")));
        for (int i = 0; i < lora.size(); i++) {
            for (int k = 0; k < 2; k++) {
                assertEquals(full.get(i).get("logps").get(k).asDouble(), lora.get(i).get("logps").get(k).asDouble(),
                        1e-4);
                assertEquals(full.get(i).get("ref_logps").get(k).asDouble(),
                        lora.get(i).get("ref_logps").get(k).asDouble(), 1e-4);
            }
        }

        // --adapter alone: the reference is the base
        List<ObjectNode> baseRef = run(settings(base, policyAdapter, null, null, SampleScheme.PILAF, "base-ref"));
        List<ObjectNode> fullBaseRef = run(settings(merged1, null, base, null, SampleScheme.PILAF, "full-base-ref"));
        assertEquals(field(fullBaseRef, "completions_ids"), field(baseRef, "completions_ids"));
    }
}

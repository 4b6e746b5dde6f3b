package dev.prefloop.engine.djl.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.core.progress.Progress;
import dev.prefloop.engine.djl.TorchRuntime;
import dev.prefloop.engine.djl.model.ComputeDtype;
import dev.prefloop.engine.djl.model.DeviceSpec;
import dev.prefloop.engine.djl.model.LlamaModel;
import dev.prefloop.engine.djl.model.LoraAdapter;
import dev.prefloop.engine.djl.model.LoraAdapterFiles;
import dev.prefloop.engine.djl.model.LoraParityTest;
import dev.prefloop.engine.djl.weights.DtypeConversion;
import dev.prefloop.engine.djl.weights.HfWeightsReader;
import dev.prefloop.engine.djl.weights.HostTensor;
import dev.prefloop.engine.djl.weights.SafetensorsReader;
import dev.prefloop.engine.djl.weights.ShardPlan;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * merge against the PEFT fixtures: the merged checkpoint computes what base + adapter computes (1e-5) and what PEFT's
 * merge_and_unload computed (the fixture's "merged" block); tensors the adapter does not touch are the base's bytes;
 * bfloat16 stays bfloat16, rounded once; bad adapters fail with ModelException and leave nothing behind.
 */
class MergeServiceTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static MergeResult merge(Path base, Path adapter, Path out, MergeDtype dtype, long shardBytes,
            boolean force) {
        return new MergeService(Progress.NONE).run(new MergeSettings(base, adapter, out, dtype, shardBytes, force));
    }

    private static Path base(JsonNode exp) throws Exception {
        return LoraParityTest.resource("hf-parity/" + exp.get("base_fixture").asText());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"peft-llama-gqa", "peft-qwen2-rslora-bin", "peft-mistral-layers", "peft-llama-reward"})
    void mergedModelComputesWhatBasePlusAdapterComputes(String name) throws Exception {
        Path dir = LoraParityTest.resource("lora/" + name);
        JsonNode exp = JSON.readTree(dir.resolve("expected.json").toFile());
        Path base = base(exp);
        Path out = tmp.resolve("merged");
        MergeResult r = merge(base, dir, out, MergeDtype.AUTO, ShardPlan.DEFAULT_MAX_SHARD_BYTES, false);
        assertFalse(r.upToDate());
        assertTrue(Files.isRegularFile(out.resolve("config.json")));
        assertTrue(Files.isRegularFile(out.resolve("prefloop_manifest.json")));
        assertEquals(Files.exists(base.resolve("generation_config.json")),
                Files.exists(out.resolve("generation_config.json")));

        try (LlamaModel baseModel = LlamaModel.load(base, DeviceSpec.CPU, ComputeDtype.FLOAT32);
                LoraAdapter adapter = LoraAdapterFiles.load(dir, baseModel);
                LlamaModel merged = LlamaModel.load(out, DeviceSpec.CPU, ComputeDtype.FLOAT32);
                NDManager m = TorchRuntime.engine().newBaseManager();
                NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            assertEquals(adapter.modules().size(), r.modules());
            assertEquals(adapter.replacedTensors().size(), r.replaced());
            double diff = maxDiff(outputs(baseModel.withAdapter(adapter), exp, m), outputs(merged, exp, m));
            String report = String.format(Locale.ROOT, "%s: merged vs base + adapter max |diff| %.3g", name, diff);
            System.out.println(report);
            assertTrue(diff <= 1e-5, report);
            // and what PEFT's merge_and_unload computed, within the fixture's tolerance
            System.out.println(LoraParityTest.compare(name + " merged", merged, m, exp, exp.get("merged")));

            // every tensor the adapter leaves alone is the base's, byte for byte
            Map<String, HostTensor> before = HfWeightsReader.read(base);
            Map<String, HostTensor> after = HfWeightsReader.read(out);
            assertEquals(before.keySet(), after.keySet());
            int untouched = 0;
            for (String t : before.keySet()) {
                String module = t.substring(0, t.lastIndexOf('.'));
                if (adapter.factors(module) == null && !adapter.replacedTensors().containsKey(t)) {
                    assertEquals(before.get(t).data(), after.get(t).data(), t);
                    untouched++;
                } else {
                    assertFalse(before.get(t).data().equals(after.get(t).data()), t + " unchanged by the merge");
                }
            }
            assertEquals(before.size() - r.modules() - r.replaced(), untouched);
        }
    }

    @Test
    void rewardModelsScoreHeadIsTheAdaptersCopy() throws Exception {
        Path dir = LoraParityTest.resource("lora/peft-llama-reward");
        Path out = tmp.resolve("rm");
        merge(base(JSON.readTree(dir.resolve("expected.json").toFile())), dir, out, MergeDtype.AUTO,
                ShardPlan.DEFAULT_MAX_SHARD_BYTES, false);
        HostTensor score = HfWeightsReader.read(out).get("score.weight");
        HostTensor saved = SafetensorsReader.read(dir.resolve("adapter_model.safetensors"))
                .get(LoraAdapter.PEFT_PREFIX + "score.weight");
        assertEquals("F32", saved.dtype());
        assertEquals(saved.data(), score.data());
    }

    @Test
    void bfloat16BaseStaysBfloat16RoundedOnceFromFloat32() throws Exception {
        Path dir = LoraParityTest.resource("lora/peft-llama-gqa");
        Path base = LoraParityTest.resource("hf-parity/llama-gqa-bf16");
        Path out = tmp.resolve("bf16");
        MergeResult r = merge(base, dir, out, MergeDtype.AUTO, ShardPlan.DEFAULT_MAX_SHARD_BYTES, false);
        assertEquals(List.of("BF16"), r.dtypes());
        assertEquals("bfloat16", JSON.readTree(out.resolve("config.json").toFile()).get("torch_dtype").asText());
        Map<String, HostTensor> before = HfWeightsReader.read(base);
        Map<String, HostTensor> after = HfWeightsReader.read(out);
        try (LlamaModel baseModel = LlamaModel.load(base, DeviceSpec.CPU, ComputeDtype.FLOAT32);
                LoraAdapter adapter = LoraAdapterFiles.load(dir, baseModel);
                NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            for (String t : before.keySet()) {
                assertEquals("BF16", after.get(t).dtype(), t);
                LoraAdapter.Factors f = adapter.factors(t.substring(0, t.lastIndexOf('.')));
                if (f == null) {
                    assertEquals(before.get(t).data(), after.get(t).data(), t);
                    continue;
                }
                // W + s (B A) in float32 from the exact upcast of the stored W, then one rounding to bfloat16
                NDArray w = baseModel.parameters().get(t);
                float[] want = w.add(f.b().matMul(f.a()).mul(f.scaling())).toFloatArray();
                ByteBuffer got = after.get(t).data();
                for (int i = 0; i < want.length; i++) {
                    assertEquals(DtypeConversion.floatToBf16(want[i]), got.getShort(2 * i), t + "[" + i + "]");
                }
            }
        }

        // --dtype float32 keeps the merge's float32 values: equal to the bf16 base (upcast) + adapter
        Path f32 = tmp.resolve("f32");
        merge(base, dir, f32, MergeDtype.FLOAT32, ShardPlan.DEFAULT_MAX_SHARD_BYTES, false);
        JsonNode exp = JSON.readTree(dir.resolve("expected.json").toFile());
        try (LlamaModel baseModel = LlamaModel.load(base, DeviceSpec.CPU, ComputeDtype.FLOAT32);
                LoraAdapter adapter = LoraAdapterFiles.load(dir, baseModel);
                LlamaModel merged = LlamaModel.load(f32, DeviceSpec.CPU, ComputeDtype.FLOAT32);
                NDManager m = TorchRuntime.engine().newBaseManager();
                NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            assertEquals("float32", JSON.readTree(f32.resolve("config.json").toFile()).get("torch_dtype").asText());
            double diff = maxDiff(outputs(baseModel.withAdapter(adapter), exp, m), outputs(merged, exp, m));
            assertTrue(diff <= 1e-5, "bf16 base merged as float32: max |diff| " + diff);
        }
    }

    @Test
    void shardedOutputFollowsTheHubRuleAndLoads() throws Exception {
        Path dir = LoraParityTest.resource("lora/peft-llama-gqa");
        Path base = LoraParityTest.resource("hf-parity/llama-gqa");
        Path one = tmp.resolve("one");
        Path many = tmp.resolve("many");
        merge(base, dir, one, MergeDtype.AUTO, ShardPlan.DEFAULT_MAX_SHARD_BYTES, false);
        MergeResult r = merge(base, dir, many, MergeDtype.AUTO, 100_000, false);
        assertTrue(r.files().size() > 3, r.files().toString());
        assertTrue(r.files().contains(ShardPlan.INDEX_FILE), r.files().toString());
        Map<String, HostTensor> a = HfWeightsReader.read(one);
        Map<String, HostTensor> b = HfWeightsReader.read(many);
        assertEquals(List.copyOf(a.keySet()), List.copyOf(b.keySet()));
        for (String t : a.keySet()) {
            assertEquals(a.get(t).data(), b.get(t).data(), t);
        }
    }

    @Test
    void rerunIsANoOpAndAnotherAdapterNeedsForce() throws Exception {
        Path gqa = LoraParityTest.resource("lora/peft-llama-gqa");
        Path base = LoraParityTest.resource("hf-parity/llama-gqa");
        Path out = tmp.resolve("merged");
        merge(base, gqa, out, MergeDtype.AUTO, ShardPlan.DEFAULT_MAX_SHARD_BYTES, false);
        assertTrue(merge(base, gqa, out, MergeDtype.AUTO, ShardPlan.DEFAULT_MAX_SHARD_BYTES, false).upToDate());

        // the same adapter with another alpha is another adapter
        Path other = copy(gqa, tmp.resolve("other"));
        Files.writeString(other.resolve("adapter_config.json"), Files.readString(other.resolve("adapter_config.json"))
                .replace("\"lora_alpha\": 8", "\"lora_alpha\": 16"));
        UsageException e = assertThrows(UsageException.class,
                () -> merge(base, other, out, MergeDtype.AUTO, ShardPlan.DEFAULT_MAX_SHARD_BYTES, false));
        assertTrue(e.getMessage().contains("--force"), e.getMessage());
        assertFalse(merge(base, other, out, MergeDtype.AUTO, ShardPlan.DEFAULT_MAX_SHARD_BYTES, true).upToDate());
        assertFalse(merge(base, gqa, out, MergeDtype.FLOAT16, ShardPlan.DEFAULT_MAX_SHARD_BYTES, true).upToDate());
        assertEquals(List.of("merged", "other"), listing(tmp));
    }

    @Test
    void badAdaptersAreModelErrorsAndLeaveNothing() throws Exception {
        Path base = LoraParityTest.resource("hf-parity/llama-gqa");
        Path gqa = LoraParityTest.resource("lora/peft-llama-gqa");
        Path out = tmp.resolve("out");

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        ModelException noConfig = assertThrows(ModelException.class,
                () -> merge(base, empty, out, MergeDtype.AUTO, ShardPlan.DEFAULT_MAX_SHARD_BYTES, false));
        assertTrue(noConfig.getMessage().contains("no adapter_config.json"), noConfig.getMessage());

        Path ia3 = copy(gqa, tmp.resolve("ia3"));
        Files.writeString(ia3.resolve("adapter_config.json"), Files.readString(ia3.resolve("adapter_config.json"))
                .replace("\"peft_type\": \"LORA\"", "\"peft_type\": \"IA3\""));
        ModelException notLora = assertThrows(ModelException.class,
                () -> merge(base, ia3, out, MergeDtype.AUTO, ShardPlan.DEFAULT_MAX_SHARD_BYTES, false));
        assertTrue(notLora.getMessage().contains("IA3"), notLora.getMessage());

        Path noWeights = copy(gqa, tmp.resolve("noweights"));
        Files.delete(noWeights.resolve("adapter_model.safetensors"));
        assertThrows(ModelException.class,
                () -> merge(base, noWeights, out, MergeDtype.AUTO, ShardPlan.DEFAULT_MAX_SHARD_BYTES, false));

        // an adapter made for another model: mistral's layers on llama-gqa, llama's projections on mistral
        Path mistral = LoraParityTest.resource("lora/peft-mistral-layers");
        ModelException other = assertThrows(ModelException.class,
                () -> merge(base, mistral, out, MergeDtype.AUTO, ShardPlan.DEFAULT_MAX_SHARD_BYTES, false));
        System.out.println(other.getMessage());
        ModelException other2 = assertThrows(ModelException.class, () -> merge(
                LoraParityTest.resource("hf-parity/mistral-sliding-window"), gqa, out, MergeDtype.AUTO,
                ShardPlan.DEFAULT_MAX_SHARD_BYTES, false));
        System.out.println(other2.getMessage());
        // a reward adapter on a causal LM
        ModelException task = assertThrows(ModelException.class, () -> merge(base,
                LoraParityTest.resource("lora/peft-llama-reward"), out, MergeDtype.AUTO,
                ShardPlan.DEFAULT_MAX_SHARD_BYTES, false));
        assertTrue(task.getMessage().contains("task_type"), task.getMessage());

        assertThrows(UsageException.class,
                () -> merge(base, gqa, base, MergeDtype.AUTO, ShardPlan.DEFAULT_MAX_SHARD_BYTES, true));
        assertEquals(List.of("empty", "ia3", "noweights"), listing(tmp), "no output and no temporary directory");
    }

    @Test
    void blocksOfAFewRowsGiveTheValuesOfOneBlock() throws Exception {
        Path dir = LoraParityTest.resource("lora/peft-llama-gqa");
        Path base = LoraParityTest.resource("hf-parity/llama-gqa-bf16");
        Map<String, HostTensor> weights = HfWeightsReader.read(base);
        try (LlamaModel baseModel = LlamaModel.load(base, DeviceSpec.CPU, ComputeDtype.FLOAT32);
                LoraAdapter adapter = LoraAdapterFiles.load(dir, baseModel);
                NDManager manager = TorchRuntime.engine().newBaseManager()) {
            for (String dtype : List.of("BF16", "F32")) {
                Path whole = tmp.resolve("whole-" + dtype);
                Path blocks = tmp.resolve("blocks-" + dtype);
                try (FileChannel a = FileChannel.open(whole, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        FileChannel b = FileChannel.open(blocks, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                    for (LoraAdapter.Factors f : adapter.modules().values()) {
                        String name = f.module() + ".weight";
                        LoraMerge.write(name, weights.get(name), f, dtype, manager, a);
                        // 3 rows of a 64-wide W per block (the last one shorter): many block boundaries
                        LoraMerge.write(name, weights.get(name), f, dtype, manager, b, 3 * 64 * 4);
                    }
                }
                // BLAS may order a small block's sums differently: the same values to the last bit or two
                ByteBuffer x = ByteBuffer.wrap(Files.readAllBytes(whole)).order(ByteOrder.LITTLE_ENDIAN);
                ByteBuffer y = ByteBuffer.wrap(Files.readAllBytes(blocks)).order(ByteOrder.LITTLE_ENDIAN);
                assertEquals(x.capacity(), y.capacity());
                assertTrue(x.capacity() > 0);
                int size = dtype.equals("F32") ? 4 : 2;
                int differ = 0;
                for (int i = 0; i < x.capacity(); i += size) {
                    float vx = size == 4 ? x.getFloat(i) : DtypeConversion.bf16ToFloat(x.getShort(i));
                    float vy = size == 4 ? y.getFloat(i) : DtypeConversion.bf16ToFloat(y.getShort(i));
                    // float32 rounding of sums of terms up to ~0.5: 1e-7 absolute, or one bfloat16 step
                    double tol = size == 4 ? 1e-7 : Math.ulp(vx) * 65536;
                    assertTrue(Math.abs(vx - vy) <= tol, dtype + " element " + i / size + ": " + vx + " vs " + vy);
                    differ += vx == vy ? 0 : 1;
                }
                System.out.println(dtype + ": " + differ + " of " + x.capacity() / size
                        + " elements differ in the last bits between 3-row blocks and one block");
            }
        }
    }

    @Test
    void blocksLeaveNoNativeArraysBehind() throws Exception {
        Path dir = LoraParityTest.resource("lora/peft-llama-gqa");
        Path base = LoraParityTest.resource("hf-parity/llama-gqa");
        Map<String, HostTensor> weights = HfWeightsReader.read(base);
        try (LlamaModel baseModel = LlamaModel.load(base, DeviceSpec.CPU, ComputeDtype.FLOAT32);
                LoraAdapter adapter = LoraAdapterFiles.load(dir, baseModel);
                NDManager manager = TorchRuntime.engine().newBaseManager();
                FileChannel out = FileChannel.open(tmp.resolve("w"), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE)) {
            int adapterArrays = adapter.parameters().size();
            for (int i = 0; i < 20; i++) {
                for (LoraAdapter.Factors f : adapter.modules().values()) {
                    String name = f.module() + ".weight";
                    LoraMerge.write(name, weights.get(name), f, "BF16", manager, out, 1024);
                }
                assertEquals(0, manager.getManagedArrays().size(), "arrays left after round " + i);
            }
            assertEquals(adapterArrays, adapter.parameters().size());
        }
    }

    /** Logits (or scores) of the fixture's inputs, as one flat array. */
    private static float[] outputs(LlamaModel model, JsonNode exp, NDManager m) {
        NDArray ids = m.create(longs(exp.get("input_ids")));
        NDArray mask = m.create(longs(exp.get("attention_mask")));
        if (model.config().head() == dev.prefloop.engine.djl.model.ModelHead.SEQUENCE_CLASSIFICATION) {
            return model.scores(ids, mask).toFloatArray();
        }
        return model.logits(ids, mask, m.create(longs(exp.get("position_ids")))).toFloatArray();
    }

    private static long[][] longs(JsonNode rows) {
        long[][] out = new long[rows.size()][];
        for (int i = 0; i < rows.size(); i++) {
            out[i] = new long[rows.get(i).size()];
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] = rows.get(i).get(j).asLong();
            }
        }
        return out;
    }

    private static double maxDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    private static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path p : files.toList()) {
                Files.copy(p, to.resolve(p.getFileName()));
            }
        }
        return to;
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}

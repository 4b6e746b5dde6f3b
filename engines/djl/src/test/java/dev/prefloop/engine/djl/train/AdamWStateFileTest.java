package dev.prefloop.engine.djl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.engine.djl.TorchRuntime;
import dev.prefloop.engine.djl.model.HfParameterOrder;
import dev.prefloop.engine.djl.weights.TorchArchive;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * optimizer.pt and scheduler.pt against what transformers' Trainer itself saved for a tiny Llama after two AdamW
 * steps (resources/torch-optimizer, made by src/test/python/make_torch_optimizer_fixture.py with torch 2.13).
 */
class AdamWStateFileTest {

    private static final Path FIXTURE = Path.of("src/test/resources/torch-optimizer");

    @TempDir
    Path tmp;

    private static JsonNode expected() throws Exception {
        return JsonCodec.mapper().readTree(FIXTURE.resolve("expected.json").toFile());
    }

    /** Zero parameters with the fixture's names and shapes, in safetensors' alphabetical order, not the model's. */
    private static Map<String, NDArray> parameters(NDManager m, JsonNode expected) {
        Map<String, NDArray> params = new LinkedHashMap<>();
        TreeMap<String, JsonNode> sorted = new TreeMap<>();
        expected.get("moments").fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue()));
        sorted.forEach((name, v) -> {
            long[] shape = new long[v.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = v.get("shape").get(i).asLong();
            }
            params.put(name, m.zeros(new Shape(shape), DataType.FLOAT32));
        });
        return params;
    }

    private static double sum(AdamW opt, String name, boolean squared) {
        var data = (squared ? opt.expAvgSq(name) : opt.expAvg(name)).data().asFloatBuffer();
        double s = 0;
        while (data.hasRemaining()) {
            s += data.get();
        }
        return s;
    }

    @Test
    void ourGroupsAreTheTrainersGroupsParameterForParameter() throws Exception {
        JsonNode expected = expected();
        List<String> trainer = new ArrayList<>();
        expected.get("groups").forEach(g -> g.forEach(n -> trainer.add(n.asText())));
        try (NDManager m = TorchRuntime.engine().newBaseManager();
                AdamW opt = new AdamW(parameters(m, expected), 0.9, 0.98, 1e-6, 0.01)) {
            List<String> ours = new ArrayList<>(HfParameterOrder.sorted(opt.decayed()));
            ours.addAll(HfParameterOrder.sorted(opt.notDecayed()));
            assertEquals(trainer, ours);
            assertEquals(expected.get("groups").get(0).size(), opt.decayed().size(), "decayed: the matrices");
        }
    }

    @Test
    void restoresWhatTheTrainerSavedIntoTheRightParameters() throws Exception {
        JsonNode expected = expected();
        try (NDManager m = TorchRuntime.engine().newBaseManager();
                AdamW opt = new AdamW(parameters(m, expected), 0.9, 0.98, 1e-6, 0.01)) {
            AdamWStateFile.restore(FIXTURE.resolve("optimizer.pt"), opt);
            assertEquals(2, opt.steps());
            expected.get("moments").fields().forEachRemaining(e -> {
                String name = e.getKey();
                double avg = e.getValue().get("exp_avg_sum").asDouble();
                double sq = e.getValue().get("exp_avg_sq_sum").asDouble();
                assertEquals(avg, sum(opt, name, false), 1e-6 * Math.max(1, Math.abs(avg)), name + " exp_avg");
                assertEquals(sq, sum(opt, name, true), 1e-6 * Math.max(1e-6, Math.abs(sq)), name + " exp_avg_sq");
            });
        }
    }

    @Test
    void writesTheTrainersLayoutAndReadsItBack() throws Exception {
        JsonNode expected = expected();
        double lr = expected.get("lr_after_2_steps").asDouble();
        try (NDManager m = TorchRuntime.engine().newBaseManager();
                AdamW opt = new AdamW(parameters(m, expected), 0.9, 0.98, 1e-6, 0.01);
                AdamW again = new AdamW(parameters(m, expected), 0.9, 0.98, 1e-6, 0.01)) {
            AdamWStateFile.restore(FIXTURE.resolve("optimizer.pt"), opt);
            Path ours = tmp.resolve("optimizer.pt");
            AdamWStateFile.write(ours, opt, lr, 1e-3);
            // The same tree as torch's, tensors compared by shape; prefloop names its parameters and does not fuse.
            Object torchTree = comparable(FIXTURE.resolve("optimizer.pt"));
            Object ourTree = comparable(ours);
            for (Object g : (List<?>) ((Map<?, ?>) ourTree).get("param_groups")) {
                assertTrue(((Map<?, ?>) g).remove("param_names") instanceof List<?>, "groups name their parameters");
                ((Map<?, ?>) g).remove("fused");
            }
            for (Object g : (List<?>) ((Map<?, ?>) torchTree).get("param_groups")) {
                ((Map<?, ?>) g).remove("fused");
            }
            assertEquals(torchTree, ourTree);
            AdamWStateFile.restore(ours, again);
            assertEquals(2, again.steps());
            for (String name : opt.names()) {
                assertEquals(opt.expAvg(name).data(), again.expAvg(name).data(), name);
                assertEquals(opt.expAvgSq(name).data(), again.expAvgSq(name).data(), name);
            }
        }
    }

    @Test
    void theSchedulerStateIsTheTrainersLambdaLr() throws Exception {
        Path ours = tmp.resolve("scheduler.pt");
        LambdaLrStateFile.write(ours, new LrSchedule(SchedulerType.COSINE, 1e-3, 2, 10), 2);
        assertEquals(comparable(FIXTURE.resolve("scheduler.pt")), comparable(ours));
    }

    @Test
    void aFileForAnotherModelIsRefusedNamingTheDifference() throws Exception {
        JsonNode expected = expected();
        try (NDManager m = TorchRuntime.engine().newBaseManager()) {
            Map<String, NDArray> fewer = parameters(m, expected);
            fewer.remove("model.layers.1.mlp.down_proj.weight");
            try (AdamW opt = new AdamW(fewer, 0.9, 0.98, 1e-6, 0.01)) {
                ModelException e = assertThrows(ModelException.class,
                        () -> AdamWStateFile.restore(FIXTURE.resolve("optimizer.pt"), opt));
                assertTrue(e.getMessage().contains("optimizer.pt: param_groups[0] holds 16 parameters, this run trains 15"),
                        e.getMessage());
            }
            // Same count, other names: prefloop's own files name each parameter, and the first difference is reported.
            Map<String, NDArray> params = parameters(m, expected);
            Path written = tmp.resolve("optimizer.pt");
            try (AdamW opt = new AdamW(params, 0.9, 0.98, 1e-6, 0.01)) {
                AdamWStateFile.write(written, opt, 1e-3, 1e-3);
            }
            Map<String, NDArray> renamed = new LinkedHashMap<>();
            params.forEach((k, v) -> renamed.put(k.replace("layers.0.self_attn.q_proj", "layers.0.self_attn.qq"), v));
            try (AdamW opt = new AdamW(renamed, 0.9, 0.98, 1e-6, 0.01)) {
                ModelException e = assertThrows(ModelException.class, () -> AdamWStateFile.restore(written, opt));
                assertTrue(e.getMessage().contains("param_groups[0] parameter 1 is model.layers.0.self_attn.q_proj.weight, this run has"
                        + " model.layers.0.self_attn.k_proj.weight there"),
                        e.getMessage());
            }
            Path junk = tmp.resolve("junk.pt");
            Files.writeString(junk, "not a zip");
            try (AdamW opt = new AdamW(params, 0.9, 0.98, 1e-6, 0.01)) {
                ModelException e = assertThrows(ModelException.class, () -> AdamWStateFile.restore(junk, opt));
                assertTrue(e.getMessage().contains("junk.pt is not a PyTorch checkpoint"), e.getMessage());
            }
        }
    }

    /** The unpickled tree with each tensor replaced by its shape, so two files compare with equals. */
    private static Object comparable(Path file) {
        try (TorchArchive a = TorchArchive.open(file)) {
            return comparable(a.root());
        }
    }

    private static Object comparable(Object node) {
        if (TorchArchive.isTensor(node)) {
            return "tensor" + Arrays.toString(TorchArchive.shapeOf(node));
        }
        if (node instanceof Map<?, ?> map) {
            Map<Object, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(k, comparable(v)));
            return out;
        }
        if (node instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            list.forEach(v -> out.add(comparable(v)));
            return out;
        }
        return node == null ? "None" : node.toString();
    }
}

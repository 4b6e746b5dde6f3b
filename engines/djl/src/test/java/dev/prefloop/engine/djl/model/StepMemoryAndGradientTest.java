package dev.prefloop.engine.djl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prefloop.engine.djl.TorchRuntime;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Native memory over many steps, gradients for training, and the float16 code path. */
class StepMemoryAndGradientTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private record Inputs(long[][] ids, long[][] mask, long[][] response) {}

    private static Inputs inputs(Path dir) throws Exception {
        JsonNode exp = JSON.readTree(dir.resolve("expected.json").toFile());
        long[][] ids = HfParityTest.longs(exp.get("input_ids"));
        int[] pad = HfParityTest.ints(exp.get("num_left_pad"));
        int[] prompt = HfParityTest.ints(exp.get("prompt_len"));
        long[][] response = new long[ids.length][ids[0].length];
        for (int r = 0; r < ids.length; r++) {
            for (int c = pad[r] + prompt[r]; c < ids[r].length; c++) {
                response[r][c] = 1;
            }
        }
        return new Inputs(ids, HfParityTest.longs(exp.get("attention_mask")), response);
    }

    @Test
    void nativeMemoryDoesNotGrowOverManyForwardPasses() throws Exception {
        Path dir = HfParityTest.fixture("llama-gqa");
        Inputs in = inputs(dir);
        try (LlamaModel model = LlamaModel.load(dir, DeviceSpec.CPU, ComputeDtype.FLOAT32);
                NDManager base = TorchRuntime.engine().newBaseManager()) {
            int modelArrays = model.manager().getManagedArrays().size();
            int baseArrays = -1;
            float first = Float.NaN;
            for (int step = 0; step < 300; step++) {
                // Every result lands on the step's manager: closing it frees the pass, with or without a scope.
                try (NDManager stepManager = base.newSubManager()) {
                    NDArray ids = stepManager.create(in.ids());
                    NDArray mask = stepManager.create(in.mask());
                    float lp = model.responseLogps(ids, mask, stepManager.create(in.response())).toFloatArray()[0];
                    first = step == 0 ? lp : first;
                    assertEquals(first, lp);
                }
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    model.logits(base.create(in.ids()), base.create(in.mask()), null).toFloatArray();
                }
                if (step == 10) {
                    baseArrays = base.getManagedArrays().size();
                }
            }
            assertEquals(baseArrays, base.getManagedArrays().size(), "arrays left in the caller's manager");
            assertEquals(modelArrays, model.manager().getManagedArrays().size(), "arrays left in the model's manager");
        }
    }

    @Test
    void gradientsReachEveryParameterAndMatchFiniteDifferences() throws Exception {
        Path dir = HfParityTest.fixture("llama-gqa");
        Inputs in = inputs(dir);
        Engine engine = TorchRuntime.engine();
        try (LlamaModel model = LlamaModel.load(dir, DeviceSpec.CPU, ComputeDtype.FLOAT32);
                NDManager base = engine.newBaseManager()) {
            for (NDArray p : model.parameters().values()) {
                p.setRequiresGradient(true);
            }
            String name = "model.layers.1.self_attn.k_proj.weight";
            float analytic;
            try (NDScope scope = new NDScope(); NDManager step = base.newSubManager()) {
                scope.suppressNotUsedWarning();
                NDArray ids = step.create(in.ids());
                NDArray mask = step.create(in.mask());
                NDArray response = step.create(in.response());
                try (GradientCollector gc = engine.newGradientCollector()) {
                    gc.backward(model.responseLogps(ids, mask, response).sum());
                }
                for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                    try (NDArray g = e.getValue().getGradient()) {
                        float norm = g.square().sum().getFloat();
                        assertTrue(Float.isFinite(norm) && norm > 0, e.getKey() + " gradient norm " + norm);
                    }
                }
                try (NDArray g = model.parameters().get(name).getGradient()) {
                    analytic = g.get(new NDIndex("3, 5")).getFloat();
                }
            }
            // Central difference on one weight, outside any collector.
            NDArray w = model.parameters().get(name);
            float w0 = w.get(new NDIndex("3, 5")).getFloat();
            float h = 1e-2f;
            float[] f = new float[2];
            for (int s = 0; s < 2; s++) {
                w.set(new NDIndex("3, 5"), w0 + (s == 0 ? h : -h));
                try (NDManager step = base.newSubManager()) {
                    f[s] = model.responseLogps(step.create(in.ids()), step.create(in.mask()), step.create(in.response()))
                            .sum().getFloat();
                }
            }
            w.set(new NDIndex("3, 5"), w0);
            float numeric = (f[0] - f[1]) / (2 * h);
            String msg = String.format(Locale.ROOT, "d logps / d %s[3,5]: autograd %.6f, finite difference %.6f",
                    name, analytic, numeric);
            System.out.println(msg);
            assertTrue(Math.abs(analytic - numeric) <= 2e-3 + 0.02 * Math.abs(analytic), msg);
        }
    }

    @Test
    void float16ComputeStaysCloseToTheFloat32Reference() throws Exception {
        // libtorch's CPU half matmul is slow, which is why --dtype refuses it there; a tiny model is fine.
        Path dir = HfParityTest.fixture("llama-gqa");
        Inputs in = inputs(dir);
        DecoderConfig config = DecoderConfig.read(dir);
        try (LlamaModel half = LlamaModel.load(dir, config, Device.cpu(), DataType.FLOAT16);
                LlamaModel full = LlamaModel.load(dir, DeviceSpec.CPU, ComputeDtype.FLOAT32);
                NDManager m = TorchRuntime.engine().newBaseManager()) {
            NDArray ids = m.create(in.ids());
            NDArray mask = m.create(in.mask());
            NDArray lh = half.logits(ids, mask, null);
            assertEquals(DataType.FLOAT16, lh.getDataType());
            NDArray real = mask.toType(DataType.BOOLEAN, false).expandDims(2); // (B, T, 1): pad columns hold no data
            NDArray diff = lh.toType(DataType.FLOAT32, false).sub(full.logits(ids, mask, null)).abs().mul(real);
            float maxDiff = diff.max().getFloat();
            float[] lpHalf = half.responseLogps(ids, mask, m.create(in.response())).toFloatArray();
            float[] lpFull = full.responseLogps(ids, mask, m.create(in.response())).toFloatArray();
            double maxLp = 0;
            for (int i = 0; i < lpHalf.length; i++) {
                maxLp = Math.max(maxLp, Math.abs(lpHalf[i] - lpFull[i]));
            }
            String msg = String.format(Locale.ROOT, "float16 vs float32: max |logits diff| %.3g, |logps diff| %.3g",
                    maxDiff, maxLp);
            System.out.println(msg);
            assertTrue(maxDiff < 0.05 && maxLp < 0.1, msg);
        }
    }
}

package dev.prefloop.engine.djl.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.prefloop.engine.djl.TorchRuntime;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PerRequestMixingTest {

    private NDManager m;

    @BeforeEach
    void open() {
        m = TorchRuntime.engine().newBaseManager();
    }

    @AfterEach
    void close() {
        m.close();
    }

    @Test
    void eachRowTakesItsRequestsWeightsExactlyAsLinearMixingDoes() {
        double beta = 0.1;
        float[] theta = {2f, 0f, -1f, 0.5f, 1f, 3f};
        float[] ref = {1f, 1f, 0f, -0.5f, 2f, 0f};
        NDArray h = m.create(theta, new Shape(2, 3));
        NDArray r = m.create(ref, new Shape(2, 3));
        PerRequestMixing mixing = new PerRequestMixing(List.of(LinearMixing.pilafOptimistic(beta).weights(),
                LinearMixing.pilafConservative(beta).weights(), new LinearMixing(1, 0).weights()));
        // batch rows decode requests 2 and 0 (request 1 finished)
        float[] got = mixing.mix(List.of(h, r), new long[] {2, 0}).toFloatArray();
        float[] policyRow = new LinearMixing(1, 0).mix(List.of(h.get(0), r.get(0))).toFloatArray();
        float[] plusRow = LinearMixing.pilafOptimistic(beta).mix(List.of(h.get(1), r.get(1))).toFloatArray();
        assertArrayEquals(policyRow, new float[] {got[0], got[1], got[2]}, 0f);
        assertArrayEquals(plusRow, new float[] {got[3], got[4], got[5]}, 0f);
        // by hand: (1 + beta) h - beta h_ref on row 1
        assertArrayEquals(new float[] {1.1f * 0.5f + 0.05f, 1.1f * 1f - 0.2f, 1.1f * 3f}, plusRow, 1e-6f);
    }
}

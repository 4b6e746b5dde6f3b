package dev.prefloop.engine.djl.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Temperature is transformers' TemperatureLogitsWarper: scores / temperature, temperature > 0. */
public final class Temperature implements LogitsProcessor {

    private final float temperature;

    /** temperature > 0 (0 means greedy and is handled by not sampling at all). */
    public Temperature(double temperature) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be > 0 here, got " + temperature);
        }
        this.temperature = (float) temperature;
    }

    @Override
    public NDArray process(NDArray scores, NDArray seen) {
        return scores.div(scores.getManager().full(new Shape(), temperature));
    }
}

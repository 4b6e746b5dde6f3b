package dev.prefloop.engine.djl.loss;

/**
 * SgdpoPilotSizes: k_w = max(floor(m r1), 1), k_l = max(floor(m r2), 1), m = min(n_w, n_l): SGDPO's sub-sequence sizes.
 *
 * @param chosen k_w, positions drawn from y_w
 * @param rejected k_l, positions drawn from y_l
 */
public record SgdpoPilotSizes(int chosen, int rejected) {

    /** The sizes for completion lengths nw, nl under the settings' r1, r2. */
    public static SgdpoPilotSizes of(int nw, int nl, LossSettings s) {
        int m = Math.min(nw, nl);
        // The floor of the float64 product, as the reference implementation computes it: 90 * 0.7 gives 62.
        return new SgdpoPilotSizes(Math.max((int) Math.floor(m * s.r1()), 1), Math.max((int) Math.floor(m * s.r2()), 1));
    }
}

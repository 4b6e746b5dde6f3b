package dev.prefloop.engine.djl.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** SGDPO's sub-sequence sizes against losses.md section 9.3. */
class SgdpoPilotSizesTest {

    @Test
    void matchesTheTable() {
        JsonNode sizes = LossTable.ROOT.get("sgdpo_sizes");
        LossSettings s = LossSettings.defaults().with("r1", sizes.get("r1").asText()).with("r2", sizes.get("r2").asText());
        for (JsonNode c : sizes.get("cases")) {
            SgdpoPilotSizes k = SgdpoPilotSizes.of(c.get("n_w").asInt(), c.get("n_l").asInt(), s);
            String where = "(n_w, n_l) = (" + c.get("n_w") + ", " + c.get("n_l") + ")";
            assertEquals(c.get("k_w").asInt(), k.chosen(), "k_w for " + where);
            assertEquals(c.get("k_l").asInt(), k.rejected(), "k_l for " + where);
        }
    }

    @Test
    void floorsTheFloat64Product() {
        // losses.md section 6: 0.7 * 90 = 62.99999999999999 in float64, so k_w is 62, not 63.
        LossSettings s = LossSettings.defaults().with("r1", "0.7").with("r2", "0.8");
        assertEquals(new SgdpoPilotSizes(62, 72), SgdpoPilotSizes.of(90, 100, s));
    }
}

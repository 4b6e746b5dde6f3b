package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** LossTable: losses.md's reference numbers (test resource losses/losses-table.json) as NDArrays. */
final class LossTable {

    static final JsonNode ROOT = load();

    private LossTable() {}

    private static JsonNode load() {
        try (InputStream in = LossTable.class.getResourceAsStream("/losses/losses-table.json")) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A column of the main batch, e.g. "Sc". */
    static double[] column(String key) {
        JsonNode batch = ROOT.get("batch");
        double[] out = new double[batch.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = batch.get(i).get(key).asDouble();
        }
        return out;
    }

    static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }

    static NDArray array(NDManager m, double[] values, DataType type) {
        NDArray a = m.create(values, new Shape(values.length));
        return type == DataType.FLOAT64 ? a : a.toType(type, true);
    }

    static double[] toDoubles(NDArray a) {
        return a.toType(DataType.FLOAT64, true).toDoubleArray();
    }

    /** The main batch with every optional input, policy sums marked as requiring gradient. */
    static PreferenceBatch mainBatch(NDManager m, DataType type) {
        NDArray sc = array(m, column("Sc"), type);
        NDArray sr = array(m, column("Sr"), type);
        sc.setRequiresGradient(true);
        sr.setRequiresGradient(true);
        double[] ac = column("ac");
        double[] ar = column("ar");
        double[] omega = new double[ac.length];
        double[] fromReference = new double[ac.length];
        JsonNode batch = ROOT.get("batch");
        for (int i = 0; i < ac.length; i++) {
            omega[i] = Math.exp(ac[i] + ar[i]);
            fromReference[i] = batch.get(i).get("ref_side").asText().equals("chosen") ? 1 : 0;
        }
        SgdpoPilots pilots = new SgdpoPilots(array(m, column("pw"), type), array(m, column("prw"), type),
                array(m, column("pl"), type), array(m, column("prl"), type));
        return PreferenceBatch.of(sc, sr, array(m, column("Rc"), type), array(m, column("Rr"), type),
                        array(m, column("nc"), type), array(m, column("nr"), type))
                .withPairWeights(array(m, omega, type))
                .withChosenFromReference(array(m, fromReference, type))
                .withPilots(pilots);
    }
}

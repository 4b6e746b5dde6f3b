package dev.prefloop.engine.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * RotaryEmbedding is RoPE as transformers' modeling_rope_utils computes it: the inverse
 * frequencies of each rope_type (default, linear, dynamic, llama3, yarn) and the cos/sin tables
 * for given position ids, with the "rotate half" layout (dimension i pairs with i + D/2).
 *
 * <p>Inverse frequencies are computed here in Java with float32 arithmetic in transformers' order
 * of operations, so they round as its float32 tensors do. {@code dynamic} recomputes them per call
 * from that call's positions; see {@link #inverseFrequencies(long)}.
 */
public final class RotaryEmbedding {

    /** cos (B, 1, T, D) and the signed sine (B, 1, T, D) = cat(-sin, sin) of one forward call. */
    public record Angles(NDArray cos, NDArray sinSigned) {}

    private final RopeConfig rope;
    private final int dim;
    private final int maxPositions;
    private final float[] initial;
    private final double attentionScaling;

    /** The embedding for heads of size {@code headDim} and the config's max_position_embeddings. */
    public RotaryEmbedding(RopeConfig rope, int headDim, int maxPositionEmbeddings) {
        this.rope = rope;
        this.dim = headDim;
        this.maxPositions = maxPositionEmbeddings;
        this.initial = compute(maxPositionEmbeddings);
        this.attentionScaling = rope.rope_type().equals("yarn") ? yarnAttentionFactor() : 1.0;
    }

    /** The factor cos and sin are multiplied by: yarn's attention_factor (mscale), 1 otherwise. */
    public double attentionScaling() {
        return attentionScaling;
    }

    /**
     * The inverse frequencies (D/2) for a call whose largest position id is {@code maxPositionId}.
     * Only {@code dynamic} depends on it: with L = maxPositionId + 1 above max_position_embeddings
     * the base becomes theta * (factor * L / max - (factor - 1))^(D / (D - 2)). transformers keeps
     * the largest L seen so far in module state until a call falls below max_position_embeddings;
     * here each call uses its own L, which agrees for a fresh model and for growing decoding.
     */
    public float[] inverseFrequencies(long maxPositionId) {
        if (rope.rope_type().equals("dynamic") && maxPositionId + 1 > maxPositions) {
            return compute(maxPositionId + 1);
        }
        return initial.clone();
    }

    /** cos/sin for position ids (B, T), of {@code dtype}, on the position ids' manager. */
    public Angles angles(NDArray positionIds, DataType dtype) {
        NDManager m = positionIds.getManager();
        long maxPos = rope.rope_type().equals("dynamic") ? positionIds.max().toType(DataType.INT64, false).getLong() : 0;
        float[] inv = inverseFrequencies(maxPos);
        NDArray invFreq = m.create(inv, new Shape(inv.length)); // (D/2)
        // (B, T, 1) * (D/2) -> (B, T, D/2): the outer product transformers forms as a float32 matmul
        NDArray freqs = positionIds.toType(DataType.FLOAT32, false).expandDims(2).mul(invFreq);
        NDArray c = freqs.cos();
        NDArray s = freqs.sin();
        NDArray cos = c.concat(c, 2); // (B, T, D)
        NDArray sinSigned = s.neg().concat(s, 2); // (B, T, D)
        if (attentionScaling != 1.0) {
            NDArray scale = m.full(new Shape(), (float) attentionScaling);
            cos = cos.mul(scale);
            sinSigned = sinSigned.mul(scale);
        }
        if (dtype != DataType.FLOAT32) {
            cos = cos.toType(dtype, false);
            sinSigned = sinSigned.toType(dtype, false);
        }
        return new Angles(cos.expandDims(1), sinSigned.expandDims(1)); // (B, 1, T, D)
    }

    /**
     * x * cos + rotate_half(x) * sin for x (B, heads, T, D), where rotate_half(x) = cat(-x2, x1);
     * written as cat(x2, x1) * cat(-sin, sin), which is the same products, one op fewer.
     */
    public static NDArray apply(NDArray x, Angles a) {
        NDList halves = x.split(2, 3); // 2 x (B, heads, T, D/2)
        NDArray swapped = halves.get(1).concat(halves.get(0), 3); // (B, heads, T, D)
        return x.mul(a.cos()).add(swapped.mul(a.sinSigned()));
    }

    private float[] compute(long seqLen) {
        return switch (rope.rope_type()) {
            case "default" -> plain(rope.rope_theta());
            case "linear" -> divide(plain(rope.rope_theta()), rope.factor());
            case "dynamic" -> plain(dynamicBase(seqLen));
            case "llama3" -> llama3();
            case "yarn" -> yarn();
            default -> throw new IllegalStateException("rope_type " + rope.rope_type());
        };
    }

    /** 1 / base^(arange(0, D, 2) / D), each step a float32 operation. */
    private float[] plain(double base) {
        float[] inv = new float[dim / 2];
        float b = (float) base;
        for (int i = 0; i < inv.length; i++) {
            float e = (float) (2 * i) / (float) dim;
            inv[i] = 1.0f / (float) Math.pow(b, e);
        }
        return inv;
    }

    private static float[] divide(float[] inv, double factor) {
        float f = (float) factor;
        for (int i = 0; i < inv.length; i++) {
            inv[i] /= f;
        }
        return inv;
    }

    private double dynamicBase(long seqLen) {
        if (seqLen <= maxPositions) {
            return rope.rope_theta();
        }
        // transformers computes this from a tensor seq_len, so in float32.
        float factor = rope.factor().floatValue();
        float ratio = factor * (float) seqLen / (float) maxPositions - (factor - 1f);
        float grown = (float) Math.pow(ratio, (double) dim / (dim - 2));
        return (float) rope.rope_theta() * grown;
    }

    private float[] llama3() {
        float[] inv = plain(rope.rope_theta());
        float factor = rope.factor().floatValue();
        double oldContext = rope.original_max_position_embeddings();
        float lowFreqWavelen = (float) (oldContext / rope.low_freq_factor());
        float highFreqWavelen = (float) (oldContext / rope.high_freq_factor());
        float low = rope.low_freq_factor().floatValue();
        float high = rope.high_freq_factor().floatValue();
        float[] out = new float[inv.length];
        for (int i = 0; i < inv.length; i++) {
            // python's scalar / tensor is tensor.reciprocal() * scalar
            float wavelen = (1.0f / inv[i]) * (float) (2 * Math.PI);
            float scaled = wavelen > lowFreqWavelen ? inv[i] / factor : inv[i];
            boolean medium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
            if (medium) {
                float smooth = ((1.0f / wavelen) * (float) oldContext - low) / (high - low);
                scaled = (1 - smooth) * scaled / factor + smooth * scaled;
            }
            out[i] = scaled;
        }
        return out;
    }

    private double yarnFactor() {
        // DeepSeek-V3 style configs: the ratio of the two context lengths replaces "factor".
        Integer orig = rope.original_max_position_embeddings();
        return orig != null ? (double) maxPositions / orig : rope.factor();
    }

    private double yarnAttentionFactor() {
        if (rope.attention_factor() != null) {
            return rope.attention_factor();
        }
        double factor = yarnFactor();
        Double mscale = rope.mscale();
        Double mscaleAllDim = rope.mscale_all_dim();
        if (mscale != null && mscale != 0 && mscaleAllDim != null && mscaleAllDim != 0) {
            return mscale(factor, mscale) / mscale(factor, mscaleAllDim);
        }
        return mscale(factor, 1);
    }

    private static double mscale(double scale, double mscale) {
        return scale <= 1 ? 1.0 : 0.1 * mscale * Math.log(scale) + 1.0;
    }

    private float[] yarn() {
        double base = rope.rope_theta();
        float factor = (float) yarnFactor();
        Integer orig = rope.original_max_position_embeddings();
        double originalMax = orig != null ? orig : maxPositions;
        double betaFast = rope.beta_fast() == null || rope.beta_fast() == 0 ? 32 : rope.beta_fast();
        double betaSlow = rope.beta_slow() == null || rope.beta_slow() == 0 ? 1 : rope.beta_slow();
        double low = correctionDim(betaFast, base, originalMax);
        double high = correctionDim(betaSlow, base, originalMax);
        if (rope.truncate()) {
            low = Math.floor(low);
            high = Math.ceil(high);
        }
        low = Math.max(low, 0);
        high = Math.min(high, dim - 1);
        if (low == high) {
            high += 0.001; // transformers' guard against a zero-width ramp
        }
        float[] out = new float[dim / 2];
        float b = (float) base;
        for (int i = 0; i < out.length; i++) {
            float posFreq = (float) Math.pow(b, (float) (2 * i) / (float) dim);
            float extrapolation = 1.0f / posFreq;
            float interpolation = 1.0f / (factor * posFreq);
            float ramp = ((float) i - (float) low) / (float) (high - low);
            ramp = Math.min(Math.max(ramp, 0f), 1f);
            float extrapolationFactor = 1 - ramp;
            out[i] = interpolation * (1 - extrapolationFactor) + extrapolation * extrapolationFactor;
        }
        return out;
    }

    private double correctionDim(double rotations, double base, double maxPositionEmbeddings) {
        return (dim * Math.log(maxPositionEmbeddings / (rotations * 2 * Math.PI))) / (2 * Math.log(base));
    }
}

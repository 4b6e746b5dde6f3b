"""Reference inverse frequencies for RotaryEmbeddingTest, written from transformers 4.55's
modeling_rope_utils (_compute_*_parameters) in float32 numpy, one tensor op per line as there.
Run: python3 rope_reference.py > expected.txt (numpy only)."""
import math
import numpy as np

f32 = np.float32


def default(base, dim):
    return f32(1.0) / (f32(base) ** (np.arange(0, dim, 2).astype(f32) / f32(dim)))


def linear(base, dim, factor):
    return default(base, dim) / f32(factor)


def dynamic(base, dim, max_pos, factor, seq_len):
    seq_len = max(seq_len, max_pos)
    # transformers passes seq_len as a tensor, so this is float32 arithmetic
    base = f32(base) * ((f32(factor) * f32(seq_len) / f32(max_pos)) - f32(factor - 1)) ** f32(dim / (dim - 2))
    return f32(1.0) / (f32(base) ** (np.arange(0, dim, 2).astype(f32) / f32(dim)))


def llama3(base, dim, factor, low, high, old):
    inv = default(base, dim)
    low_wl = old / low
    high_wl = old / high
    wavelen = (f32(1.0) / inv) * f32(2 * math.pi)
    inv_l = np.where(wavelen > f32(low_wl), inv / f32(factor), inv).astype(f32)
    smooth = ((f32(1.0) / wavelen) * f32(old) - f32(low)) / f32(high - low)
    smoothed = (f32(1) - smooth) * inv_l / f32(factor) + smooth * inv_l
    medium = ~(wavelen < f32(high_wl)) & ~(wavelen > f32(low_wl))
    return np.where(medium, smoothed, inv_l).astype(f32)


def yarn(base, dim, max_pos, factor, orig=None, attention_factor=None, mscale=None, mscale_all_dim=None,
         beta_fast=32, beta_slow=1, truncate=True):
    if orig is not None:
        factor = max_pos / orig
    else:
        orig = max_pos

    def get_mscale(scale, m=1):
        return 1.0 if scale <= 1 else 0.1 * m * math.log(scale) + 1.0

    if attention_factor is None:
        if mscale and mscale_all_dim:
            attention_factor = get_mscale(factor, mscale) / get_mscale(factor, mscale_all_dim)
        else:
            attention_factor = get_mscale(factor)

    def corr(rot):
        return (dim * math.log(orig / (rot * 2 * math.pi))) / (2 * math.log(base))

    lo, hi = corr(beta_fast), corr(beta_slow)
    if truncate:
        lo, hi = math.floor(lo), math.ceil(hi)
    lo, hi = max(lo, 0), min(hi, dim - 1)
    if lo == hi:
        hi += 0.001
    pos_freqs = f32(base) ** (np.arange(0, dim, 2).astype(f32) / f32(dim))
    extra = f32(1.0) / pos_freqs
    inter = f32(1.0) / (f32(factor) * pos_freqs)
    ramp = np.clip((np.arange(dim // 2).astype(f32) - f32(lo)) / f32(hi - lo), 0, 1).astype(f32)
    ef = f32(1) - ramp
    return (inter * (f32(1) - ef) + extra * ef).astype(f32), attention_factor


def show(name, arr, extra=""):
    print(name, extra, " ".join(repr(float(x)) for x in arr))


if __name__ == "__main__":
    show("linear", linear(10000.0, 16, 4.0))
    show("dynamic-short", dynamic(10000.0, 16, 128, 2.0, 100))
    show("dynamic-long", dynamic(10000.0, 16, 128, 2.0, 300))
    show("llama3", llama3(500000.0, 64, 8.0, 1.0, 4.0, 64))
    inv, af = yarn(10000.0, 16, 128, 4.0)
    show("yarn", inv, repr(af))
    inv, af = yarn(1000000.0, 32, 4096, 4.0, orig=1024, mscale=0.707, mscale_all_dim=0.707)
    show("yarn-orig-mscale", inv, repr(af))
    inv, af = yarn(10000.0, 16, 128, 4.0, attention_factor=1.5, beta_fast=16.0, beta_slow=2.0, truncate=False)
    show("yarn-explicit", inv, repr(af))

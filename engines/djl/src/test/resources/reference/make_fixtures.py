"""Extra parity fixtures for configurations the hf-parity set does not cover, made by an
independent float64 numpy reference: each sequence run UNPADDED on its own, explicit loops over
heads (query head h reads kv head h // (H / Hkv)), -inf masks from positions, RoPE inverse
frequencies from rope_reference.py's float32 transcription of transformers' modeling_rope_utils.
The Java model runs the LEFT-PADDED batch, so padding, masks and pooling are checked too.

These are NOT transformers outputs; they check prefloop against prefloop's reading of
transformers 4.55 (llama/qwen2/mistral modeling, masking_utils, GenericForSequenceClassification).
Run (numpy only): cd src/test/resources/reference && python3 make_fixtures.py
"""
import json
import math
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "rope"))
import rope_reference as rr  # noqa: E402


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, arr in tensors.items():
        b = np.ascontiguousarray(arr, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def inv_freq_and_factor(cfg, seq_len):
    rs = cfg.get("rope_scaling") or {"rope_type": "default"}
    kind = rs.get("rope_type", rs.get("type"))
    base, dim, max_pos = cfg["rope_theta"], cfg["head_dim"], cfg["max_position_embeddings"]
    if kind == "default":
        return rr.default(base, dim), 1.0
    if kind == "linear":
        return rr.linear(base, dim, rs["factor"]), 1.0
    if kind == "dynamic":
        return rr.dynamic(base, dim, max_pos, rs["factor"], seq_len), 1.0
    if kind == "llama3":
        return rr.llama3(base, dim, rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"],
                         rs["original_max_position_embeddings"]), 1.0
    if kind == "yarn":
        return rr.yarn(base, dim, max_pos, rs["factor"], orig=rs.get("original_max_position_embeddings"))
    raise ValueError(kind)


def rmsnorm(x, w, eps):
    return w * (x / np.sqrt((x * x).mean(-1, keepdims=True) + eps))


def linear(x, W, name):
    y = x @ W[name + ".weight"].T
    return y + W[name + ".bias"] if name + ".bias" in W else y


def rotate(x, cos, sin):  # x (heads, L, D)
    d = x.shape[-1] // 2
    rot = np.concatenate([-x[..., d:], x[..., :d]], -1)
    return x * cos + rot * sin


def hidden_row(ids, cfg, W, windows, inv_freq, att_factor):
    """Final-norm hidden states (L, C) of one unpadded sequence."""
    H, Hkv, D = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    L = len(ids)
    x = W["model.embed_tokens.weight"][ids]
    freqs = np.arange(L)[:, None] * inv_freq.astype(np.float64)[None, :]
    emb = np.concatenate([freqs, freqs], -1)
    cos, sin = np.cos(emb) * att_factor, np.sin(emb) * att_factor
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rmsnorm(x, W[p + "input_layernorm.weight"], cfg["rms_norm_eps"])
        q = rotate(linear(h, W, p + "self_attn.q_proj").reshape(L, H, D).transpose(1, 0, 2), cos, sin)
        k = rotate(linear(h, W, p + "self_attn.k_proj").reshape(L, Hkv, D).transpose(1, 0, 2), cos, sin)
        v = linear(h, W, p + "self_attn.v_proj").reshape(L, Hkv, D).transpose(1, 0, 2)
        out = np.zeros((H, L, D))
        for hh in range(H):
            kv = hh // (H // Hkv)
            s = q[hh] @ k[kv].T * D ** -0.5
            for a in range(L):
                for b in range(L):
                    if b > a or (windows[i] and b <= a - windows[i]):
                        s[a, b] = -np.inf
            s = np.exp(s - s.max(-1, keepdims=True))
            out[hh] = (s / s.sum(-1, keepdims=True)) @ v[kv]
        x = x + linear(out.transpose(1, 0, 2).reshape(L, H * D), W, p + "self_attn.o_proj")
        h = rmsnorm(x, W[p + "post_attention_layernorm.weight"], cfg["rms_norm_eps"])
        g = linear(h, W, p + "mlp.gate_proj")
        x = x + linear(g / (1 + np.exp(-g)) * linear(h, W, p + "mlp.up_proj"), W, p + "mlp.down_proj")
    return rmsnorm(x, W["model.norm.weight"], cfg["rms_norm_eps"])


def make(name, cfg, windows, seqs, prompt_lens, pad_id, seed, notes, reward=False):
    rng = np.random.default_rng(seed)
    C, F, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    H, Hkv, D = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    qkv_bias = cfg["model_type"] == "qwen2" or cfg.get("attention_bias", False)
    o_bias = cfg["model_type"] == "llama" and cfg.get("attention_bias", False)
    mlp_bias = cfg["model_type"] == "llama" and cfg.get("mlp_bias", False)
    W = {"model.embed_tokens.weight": rng.normal(0, 1.0, (V, C))}

    def lin(n, out_dim, in_dim, bias):
        W[n + ".weight"] = rng.normal(0, in_dim ** -0.5, (out_dim, in_dim))
        if bias:
            W[n + ".bias"] = rng.normal(0, 0.5, (out_dim,))

    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        lin(p + "self_attn.q_proj", H * D, C, qkv_bias)
        lin(p + "self_attn.k_proj", Hkv * D, C, qkv_bias)
        lin(p + "self_attn.v_proj", Hkv * D, C, qkv_bias)
        lin(p + "self_attn.o_proj", C, H * D, o_bias)
        lin(p + "mlp.gate_proj", F, C, mlp_bias)
        lin(p + "mlp.up_proj", F, C, mlp_bias)
        lin(p + "mlp.down_proj", C, F, mlp_bias)
        W[p + "input_layernorm.weight"] = 1 + rng.normal(0, 0.2, (C,))
        W[p + "post_attention_layernorm.weight"] = 1 + rng.normal(0, 0.2, (C,))
    W["model.norm.weight"] = 1 + rng.normal(0, 0.2, (C,))
    if reward:
        W["score.weight"] = rng.normal(0, C ** -0.5, (cfg["num_labels_"], C))
    elif not cfg["tie_word_embeddings"]:
        W["lm_head.weight"] = rng.normal(0, C ** -0.5, (V, C))
    W = {k: v.astype(np.float32).astype(np.float64) for k, v in W.items()}  # what the file holds

    os.makedirs(name, exist_ok=True)
    write_safetensors(os.path.join(name, "model.safetensors"), W)
    config = {k: v for k, v in cfg.items() if not k.endswith("_")}
    with open(os.path.join(name, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)

    T = max(len(s) for s in seqs)
    left = [T - len(s) for s in seqs]
    ids = [[pad_id] * left[b] + list(s) for b, s in enumerate(seqs)]
    mask = [[0] * left[b] + [1] * len(s) for b, s in enumerate(seqs)]
    pos = [[1] * left[b] + list(range(len(s))) for b, s in enumerate(seqs)]
    # transformers' dynamic rope: L = max(position_ids) + 1 over the whole batch
    inv_freq, att = inv_freq_and_factor(cfg, max(len(s) for s in seqs))
    exp = {"format_version": 1, "fixture": name, "model_type": cfg["model_type"],
           "architecture": cfg["architectures"][0], "compute_dtype": "float32", "batch_size": len(seqs),
           "seq_lens": [len(s) for s in seqs], "num_left_pad": left, "pad_id_in_inputs": pad_id,
           "input_ids": ids, "attention_mask": mask, "position_ids": pos, "notes": notes,
           "tolerances": {"logits_max_abs": 1e-4, "response_logps_abs": 1e-4, "token_logps_abs": 1e-4,
                          "scores_abs": 1e-4, "pooled_column": "exact"}}
    hid = [hidden_row(np.array(s), cfg, W, windows, inv_freq, att) for s in seqs]
    if reward:
        pad = cfg["pad_token_id"]
        pooled = [max(c for c in range(T) if ids[b][c] != pad) for b in range(len(seqs))]
        exp["reward"] = {"num_labels": cfg["num_labels_"], "pooled_column": pooled,
                         "scores": [(hid[b][pooled[b] - left[b]] @ W["score.weight"].T).tolist()
                                    for b in range(len(seqs))]}
    else:
        head = W["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else W["lm_head.weight"]
        logits = [h @ head.T for h in hid]
        exp["vocab_size"] = V
        exp["logits"] = [lg.tolist() for lg in logits]
        exp["prompt_len"] = prompt_lens
        terms = []
        for b, s in enumerate(seqs):
            lg = logits[b]
            lsm = lg - (lg.max(-1, keepdims=True) + np.log(np.exp(lg - lg.max(-1, keepdims=True)).sum(-1, keepdims=True)))
            terms.append([lsm[t - 1][s[t]] for t in range(prompt_lens[b], len(s))])
        exp["response_token_logps"] = terms
        exp["response_logps"] = [sum(t) for t in terms]
    with open(os.path.join(name, "expected.json"), "w") as f:
        json.dump(exp, f)


def base(model_type, arch, **kw):
    cfg = {"model_type": model_type, "architectures": [arch], "hidden_size": 32, "intermediate_size": 48,
           "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 8,
           "vocab_size": 64, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "max_position_embeddings": 64,
           "tie_word_embeddings": False, "hidden_act": "silu"}
    cfg.update(kw)
    return cfg


rng = np.random.default_rng(7)
seqs = lambda lens: [[int(t) for t in rng.integers(3, 64, size=n)] for n in lens]  # noqa: E731

make("llama-bias-llama3", base("llama", "LlamaForCausalLM", attention_bias=True, mlp_bias=True,
     rope_theta=500000.0, rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                         "high_freq_factor": 32.0, "original_max_position_embeddings": 1024}),
     [0, 0], seqs([12, 9, 5]), [6, 4, 2], 0, 1,
     ["llama attention_bias (q/k/v AND o_proj biases), mlp_bias, rope llama3 whose 4 frequencies fall in all three bands (kept, blended, divided)"])
make("qwen2-sliding-yarn", base("qwen2", "Qwen2ForCausalLM", use_sliding_window=True, sliding_window=3,
     max_window_layers=1, tie_word_embeddings=True, max_position_embeddings=32,
     rope_scaling={"type": "yarn", "factor": 4.0}),
     [0, 3], seqs([11, 8, 4]), [5, 3, 1], 0, 2,
     ["qwen2 sliding window 3 on layer 1 only (max_window_layers 1), yarn x4 (attention factor 1 + 0.1 ln 4),"
      " tied embeddings, q/k/v biases"])
make("mistral-dynamic", base("mistral", "MistralForCausalLM", sliding_window=None, max_position_embeddings=8,
     rope_scaling={"rope_type": "dynamic", "factor": 2.0}, num_key_value_heads=1),
     [0, 0], seqs([12, 10, 6]), [4, 4, 2], 0, 3,
     ["mistral with sliding_window null, dynamic NTK rope: L = 12 > max_position_embeddings 8, MQA (1 kv head)"])
rows = seqs([10, 8, 6])
rows[0][-1] = 2  # ends with EOS = pad_token_id: transformers pools the token before it
rows[1][3] = 2   # a real token with the pad id, attended to
make("qwen2-reward-pad-eos", dict(base("qwen2", "Qwen2ForSequenceClassification", pad_token_id=2, eos_token_id=2,
     id2label={"0": "LABEL_0", "1": "LABEL_1"}, label2id={"LABEL_0": 0, "LABEL_1": 1}), num_labels_=2),
     [0, 0], rows, None, 2, 4,
     ["Qwen2ForSequenceClassification, 2 labels, pad_token_id = eos_token_id = 2: row 0 ends with EOS, so the"
      " pooled token is the one before it; row 1 holds id 2 as a real token"], reward=True)

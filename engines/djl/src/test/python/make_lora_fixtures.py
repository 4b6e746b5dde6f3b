"""Makes the LoRA fixtures under src/test/resources/lora with real PEFT and transformers.

Not run by the build (the tests read the files it wrote). Run it where torch, transformers and peft
are installed; the fixtures committed were made with torch 2.13.0+cpu, transformers 5.17.0, peft 0.21.0:

    python make_lora_fixtures.py ../resources/hf-parity ../resources/lora

Each fixture is a PEFT adapter directory (written by PeftModel.save_pretrained) over one hf-parity base
model, with expected.json: the base fixture's inputs, the logits and response log-probabilities (or reward
scores) of base + adapter computed by PeftModel, the same from merge_and_unload(), and the base model's own
outputs under transformers (a check of the hf-parity fixture itself).
"""
import json
import sys
from pathlib import Path

import torch
import transformers
import peft
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

torch.manual_seed(0)
src, dst = Path(sys.argv[1]), Path(sys.argv[2])


def response_logps(logits, ids, prompt_len, num_left_pad):
    out = []
    logp = torch.log_softmax(logits.double(), -1)
    for b in range(ids.shape[0]):
        start = num_left_pad[b] + prompt_len[b]
        s = 0.0
        for t in range(start, ids.shape[1]):
            s += logp[b, t - 1, ids[b, t]].item()
        out.append(s)
    return out


def outputs(model, e, causal):
    ids = torch.tensor(e["input_ids"])
    mask = torch.tensor(e["attention_mask"])
    pos = torch.tensor(e["position_ids"])
    with torch.no_grad():
        if causal:
            logits = model(input_ids=ids, attention_mask=mask, position_ids=pos).logits
            # real columns only, as the hf-parity fixtures store them (row b from num_left_pad[b])
            return {"logits": [logits[b, e["num_left_pad"][b]:].tolist() for b in range(ids.shape[0])],
                    "response_logps": response_logps(logits, ids, e["prompt_len"], e["num_left_pad"])}
        return {"scores": model(input_ids=ids, attention_mask=mask).logits.tolist()}


def max_diff(a, b):
    if isinstance(a, list) and a and isinstance(a[0], list) and len({len(r) for r in a}) > 1:
        return max(max_diff(x, y) for x, y in zip(a, b))
    return (torch.tensor(a, dtype=torch.float64) - torch.tensor(b, dtype=torch.float64)).abs().max().item()


def make(name, base_name, config, causal=True, safe=True, randomise_b=True):
    base_dir = src / base_name
    e = json.loads((base_dir / "expected.json").read_text())
    cls = AutoModelForCausalLM if causal else AutoModelForSequenceClassification
    base = cls.from_pretrained(base_dir, dtype=torch.float32, attn_implementation="eager").eval()
    base_out = outputs(base, e, causal)
    key = "logits" if causal else "scores"
    parity = max_diff(base_out[key], e[key] if causal else e["reward"]["scores"])
    model = get_peft_model(base, config)
    if randomise_b:  # a fresh adapter is a no-op (B = 0); give B values so the fixture tests something
        g = torch.Generator().manual_seed(1)
        for n, p in model.named_parameters():
            if "lora_B" in n:
                with torch.no_grad():
                    p.copy_(torch.randn(p.shape, generator=g) * 0.05)
            if "modules_to_save" in n:
                with torch.no_grad():
                    p.add_(torch.randn(p.shape, generator=g) * 0.05)
    model.eval()
    out_dir = dst / name
    model.save_pretrained(out_dir, safe_serialization=safe)
    adapted = outputs(model, e, causal)
    # Loaded back from disk, as a user's adapter would be.
    fresh = cls.from_pretrained(base_dir, dtype=torch.float32, attn_implementation="eager").eval()
    loaded = PeftModel.from_pretrained(fresh, out_dir).eval()
    reloaded = outputs(loaded, e, causal)
    merged = loaded.merge_and_unload()
    merged_out = outputs(merged, e, causal)
    expected = {
        "base_fixture": base_name,
        "made_with": {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__},
        "input_ids": e["input_ids"], "attention_mask": e["attention_mask"], "position_ids": e["position_ids"],
        "adapted": adapted, "merged": merged_out,
        "checks": {"base_vs_hf_parity_fixture_max_abs": parity,
                   "reloaded_vs_adapted_max_abs": max_diff(reloaded[key], adapted[key]),
                   "merged_vs_adapted_max_abs": max_diff(merged_out[key], adapted[key]),
                   "adapted_vs_base_max_abs": max_diff(adapted[key], base_out[key])},
        "tolerances": {"logits_max_abs": 1e-4, "response_logps_abs": 1e-4, "scores_abs": 1e-4},
    }
    if causal:
        expected["prompt_len"] = e["prompt_len"]
        expected["num_left_pad"] = e["num_left_pad"]
    (out_dir / "expected.json").write_text(json.dumps(expected) + "\n")
    (out_dir / "README.md").unlink(missing_ok=True)  # PEFT's model card template: not ours to keep
    print(name, json.dumps(expected["checks"]))


make("peft-llama-gqa", "llama-gqa", LoraConfig(
    r=4, lora_alpha=8, lora_dropout=0.1,
    target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    rank_pattern={"down_proj": 2}, alpha_pattern={"layers.0.self_attn.q_proj": 3}, task_type="CAUSAL_LM"))
make("peft-qwen2-rslora-bin", "qwen2-bias-tied", LoraConfig(
    r=8, lora_alpha=4, use_rslora=True, target_modules=r".*layers\.[01]\.mlp\.(up|down)_proj",
    task_type="CAUSAL_LM"), safe=False)
make("peft-mistral-layers", "mistral-sliding-window", LoraConfig(
    r=2, lora_alpha=16, target_modules=["q_proj", "v_proj", "o_proj"], layers_to_transform=[1],
    layers_pattern="layers", task_type="CAUSAL_LM"))
make("peft-llama-reward", "llama-reward", LoraConfig(
    r=4, lora_alpha=4, target_modules=["q_proj", "v_proj"], task_type="SEQ_CLS"), causal=False)

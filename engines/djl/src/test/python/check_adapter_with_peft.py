"""Checks that PEFT loads an adapter prefloop wrote: no warnings, every tensor equal to the file's.

Not run by the build. Usage, where torch, transformers and peft are installed:

    python check_adapter_with_peft.py BASE_MODEL_DIR ADAPTER_DIR

Checked with torch 2.13.0+cpu, transformers 5.17.0, peft 0.21.0 on adapters from `prefloop sft --use-peft`.
"""
import sys
import warnings

import torch
from peft import PeftConfig, PeftModel
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM

base_dir, adapter_dir = sys.argv[1], sys.argv[2]
warnings.simplefilter("always")
with warnings.catch_warnings(record=True) as caught:
    base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    config = PeftConfig.from_pretrained(adapter_dir)
    model = PeftModel.from_pretrained(base, adapter_dir)
problems = [str(w.message) for w in caught]
params = dict(model.named_parameters())
saved = load_file(f"{adapter_dir}/adapter_model.safetensors")
for name, tensor in saved.items():
    key = name.replace(".lora_A.weight", ".lora_A.default.weight").replace(".lora_B.weight", ".lora_B.default.weight")
    if key not in params or not torch.equal(params[key].detach(), tensor):
        problems.append(f"{name}: not loaded as saved")
lora = [n for n in params if "lora_" in n]
if len(lora) != len(saved):
    problems.append(f"PEFT made {len(lora)} LoRA tensors, the file has {len(saved)}")
print(f"{type(config).__name__} r={config.r} alpha={config.lora_alpha} targets={sorted(config.target_modules)}")
print("OK" if not problems else "PROBLEMS:\n" + "\n".join(problems))
sys.exit(1 if problems else 0)

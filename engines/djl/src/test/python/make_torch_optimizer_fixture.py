"""Writes src/test/resources/torch-optimizer/: what transformers' Trainer saves for a tiny Llama after two
AdamW steps (optimizer.pt, scheduler.pt), and expected.json with the parameter order of its optimizer groups
and a checksum of each parameter's moments, for AdamWStateFileTest.

Run with torch and transformers installed (checked with torch 2.13, transformers 5.17):
    python make_torch_optimizer_fixture.py OUT_DIR
"""
import json
import sys

import torch
from transformers import LlamaConfig, LlamaForCausalLM, Trainer, TrainingArguments

out = sys.argv[1]
torch.manual_seed(0)
cfg = LlamaConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=2, num_attention_heads=2,
                  num_key_value_heads=1, vocab_size=32, tie_word_embeddings=False, attention_bias=True)
model = LlamaForCausalLM(cfg)
args = TrainingArguments(output_dir="/tmp/torch-optimizer-run", learning_rate=1e-3, weight_decay=0.01,
                         max_steps=10, warmup_steps=2, lr_scheduler_type="cosine", report_to=[],
                         adam_beta1=0.9, adam_beta2=0.98, adam_epsilon=1e-6)
trainer = Trainer(model=model, args=args)
opt = trainer.create_optimizer()
sched = trainer.create_scheduler(num_training_steps=10, optimizer=opt)
ids = torch.randint(0, 32, (2, 6))
for _ in range(2):
    model(input_ids=ids, labels=ids).loss.backward()
    opt.step()
    sched.step()
    opt.zero_grad()
torch.save(opt.state_dict(), f"{out}/optimizer.pt")
torch.save(sched.state_dict(), f"{out}/scheduler.pt")

names = {id(p): n for n, p in model.named_parameters()}
groups = []
moments = {}
for g in opt.param_groups:
    groups.append([names[id(p)] for p in g["params"]])
    for p in g["params"]:
        s = opt.state[p]
        moments[names[id(p)]] = {"shape": list(p.shape), "exp_avg_sum": float(s["exp_avg"].double().sum()),
                                 "exp_avg_sq_sum": float(s["exp_avg_sq"].double().sum()), "step": float(s["step"])}
with open(f"{out}/expected.json", "w") as f:
    json.dump({"groups": groups, "moments": moments, "lr_after_2_steps": sched.get_last_lr()[0],
               "torch": torch.__version__}, f, indent=1)

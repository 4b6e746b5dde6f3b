"""Resumes a prefloop checkpoint-N in transformers' own Trainer, the way a TRL run resuming it would:
loads the model (or the base plus the PEFT adapter), lets the Trainer load optimizer.pt and scheduler.pt
with its own code (torch.load weights_only=True), checks that every optimizer slot holds the state of the
parameter prefloop meant (by the param_names prefloop writes), that the moments' shapes and step counts fit,
and that the learning rate continues where prefloop's schedule is, then trains the remaining steps.

Not part of the build (it needs torch, transformers and, for adapters, peft; checked with torch 2.13,
transformers 5.17, peft 0.21):
    python check_checkpoint_with_transformers.py OUT/checkpoint-N [--base MODEL_DIR]
"""
import argparse
import json
import math
import os
import tempfile

import torch
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

p = argparse.ArgumentParser()
p.add_argument("checkpoint")
p.add_argument("--base", help="the base model of a LoRA checkpoint")
a = p.parse_args()
ckpt = a.checkpoint
with open(os.path.join(ckpt, "training_args.json")) as f:
    targs = json.load(f)
with open(os.path.join(ckpt, "trainer_state.json")) as f:
    state = json.load(f)

if a.base:
    from peft import PeftModel
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(a.base), ckpt, is_trainable=True)
else:
    model = AutoModelForCausalLM.from_pretrained(ckpt)
vocab = model.config.vocab_size
batch = state["train_batch_size"]
steps = state["max_steps"]
g = torch.Generator().manual_seed(0)
data = [{"input_ids": ids, "labels": ids} for ids in torch.randint(0, vocab, (batch * steps, 12), generator=g)]

args = TrainingArguments(
    output_dir=tempfile.mkdtemp(), max_steps=steps, per_device_train_batch_size=batch,
    learning_rate=targs["learning_rate"], lr_scheduler_type=targs["lr_scheduler_type"],
    warmup_steps=targs.get("warmup_steps", 0) or math.ceil(targs.get("warmup_ratio", 0.0) * steps),
    weight_decay=targs["weight_decay"], adam_beta1=targs["adam_beta1"], adam_beta2=targs["adam_beta2"],
    adam_epsilon=targs["adam_epsilon"], save_strategy="no", report_to=[], logging_steps=1, use_cpu=True)
trainer = Trainer(model=model, args=args, train_dataset=data)

# What train(resume_from_checkpoint=...) does first, checked slot by slot.
trainer.create_optimizer_and_scheduler(num_training_steps=steps)
names = {id(t): n for n, t in model.named_parameters()}
trainer._load_optimizer_and_scheduler(ckpt)
opt = trainer.optimizer
checked = 0
for gi, group in enumerate(opt.param_groups):
    for i, param in enumerate(group["params"]):
        assert group["param_names"][i] == names[id(param)], (gi, i, group["param_names"][i], names[id(param)])
        s = opt.state[param]
        assert s["exp_avg"].shape == param.shape and s["exp_avg_sq"].shape == param.shape, names[id(param)]
        assert int(s["step"]) == state["global_step"], (names[id(param)], s["step"])
        checked += 1
trainable = sum(1 for t in model.parameters() if t.requires_grad)
assert checked == trainable, (checked, trainable)
print(f"optimizer.pt: {checked} parameters in {len(opt.param_groups)} groups "
      f"({[len(g['params']) for g in opt.param_groups]}), each slot the parameter prefloop named, step {state['global_step']}")
print(f"scheduler.pt: last_epoch {trainer.lr_scheduler.last_epoch}, lr {trainer.lr_scheduler.get_last_lr()}")

trainer = Trainer(model=model, args=args, train_dataset=data)
out = trainer.train(resume_from_checkpoint=ckpt)
lrs = [(h["step"], h["learning_rate"]) for h in trainer.state.log_history if "learning_rate" in h]
print(f"resumed at step {state['global_step']} and trained to step {trainer.state.global_step}: "
      f"loss {out.training_loss:.4f}, learning rates logged {lrs}")

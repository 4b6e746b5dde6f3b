#!/usr/bin/env bash
# prefloop quickstart: the main job on embedded defaults, on CPU in a few minutes. It builds the CLI
# (first run only), makes a tiny random model with its own tokenizer, fine-tunes it on the chosen
# answers of the bundled arithmetic pairs (sft), takes the reference log-probabilities (score
# --as-ref), trains DPO on the pairs (train --loss sigmoid), the same with a LoRA adapter merged
# afterwards (train --use-peft, merge), and labels candidates with a small exec judge (label). Needs Java 17 and Maven; nothing is downloaded at run time.
# Output goes to ${QUICKSTART_DIR:-./quickstart-out}; rerunning is a no-op for steps already done.
set -euo pipefail
root=$(cd -- "$(dirname -- "$0")/.." && pwd)
out=${QUICKSTART_DIR:-"$PWD/quickstart-out"}
pf="$root/prefloop"
data="$root/examples/data/arithmetic-pairs.jsonl"

if [ ! -f "$root/cli/target/prefloop.jar" ]; then
  echo "== building prefloop (mvn -B -q package -DskipTests)"
  (cd "$root" && mvn -B -q package -DskipTests)
fi
"$pf" --version
mkdir -p "$out"

# Writes $2 from $1 through the sed script examples/$3 unless $2 is newer than both (reruns keep it).
derive() {
  if [ ! "$2" -nt "$1" ] || [ ! "$2" -nt "$root/examples/$3" ]; then
    sed -E -f "$root/examples/$3" "$1" > "$2.tmp" && mv "$2.tmp" "$2"
  fi
}

echo "== 1. init: a random tiny llama (5 M parameters) with a byte-level BPE tokenizer and a ChatML template"
"$pf" init --preset tiny --out "$out/model-init" --seed 1

echo "== 2. inspect the bundled arithmetic pairs (standard and conversational records)"
"$pf" inspect "$data" --samples 2

echo "== 3. tokenize: each record's rendered prompt and completions with their token ids"
"$pf" tokenize --model "$out/model-init" --in "$data" --out "$out/pairs-tokenized" --format jsonl
"$pf" inspect "$out/pairs-tokenized" --samples 1

echo "== 4. sft on the chosen answers (prompt + completion records, text tokenized by the model's tokenizer)"
derive "$data" "$out/sft.jsonl" sft-from-pairs.sed
"$pf" sft --model "$out/model-init" --data "$out/sft.jsonl" --out "$out/model-sft" \
  --max-steps 40 --batch-size 8 --learning-rate 1e-3 --warmup-ratio 0.1 --logging-steps 10 --save-steps 0

echo "== 5. score --as-ref: the sft model's log-probabilities of chosen and rejected, as the reference"
"$pf" score --model "$out/model-sft" --in "$out/pairs-tokenized" --out "$out/pairs-ref" --as-ref --format jsonl

echo "== 6. train --loss sigmoid (DPO) from the sft model, reference values read from the data"
"$pf" train --loss sigmoid --model "$out/model-sft" --data "$out/pairs-ref" --out "$out/model-dpo" \
  --max-steps 30 --batch-size 8 --learning-rate 5e-4 --beta 0.1 --logging-steps 10 --save-steps 0

echo "== 6b. the same DPO with LoRA (a PEFT adapter on the frozen sft model), then merge it into a full model"
"$pf" train --loss sigmoid --model "$out/model-sft" --data "$out/pairs-ref" --out "$out/lora-dpo" \
  --use-peft --lora-r 8 --lora-alpha 16 --lora-target all-linear \
  --max-steps 30 --batch-size 8 --learning-rate 2e-3 --beta 0.1 --logging-steps 10 --save-steps 0
"$pf" merge --model "$out/model-sft" --adapter "$out/lora-dpo" --out "$out/lora-dpo-merged"

echo "== 7. label: candidates built from the pairs, judged by examples/arith-judge.sh (checks the sum)"
derive "$data" "$out/candidates.jsonl" candidates-from-pairs.sed
"$pf" label --judge "exec:sh '$root/examples/arith-judge.sh'" --judge-pointwise --judge-exec-per-batch \
  --in "$out/candidates.jsonl" --out "$out/pairs-labelled" --format jsonl --json

echo
echo "quickstart done: outputs in $out"
echo "  model-init/       random tiny model + tokenizer (init)"
echo "  pairs-tokenized/  rendered texts and token ids (tokenize)"
echo "  model-sft/        sft model; metrics.jsonl"
echo "  pairs-ref/        pairs with ref_chosen_logps, ref_rejected_logps (score --as-ref)"
echo "  model-dpo/        DPO model; metrics.jsonl"
echo "  lora-dpo/         DPO as a LoRA adapter (PEFT layout); lora-dpo-merged/ the merged model (merge)"
echo "  pairs-labelled/   preference pairs from the exec judge (label)"
echo "sft, last metrics line: $(tail -n 1 "$out/model-sft/metrics.jsonl")"
echo "dpo, last metrics line: $(tail -n 1 "$out/model-dpo/metrics.jsonl")"
echo "lora dpo, last metrics line: $(tail -n 1 "$out/lora-dpo/metrics.jsonl")"
agreed=$(cat "$out"/pairs-labelled/part-*.jsonl | grep -c '"chosen_index":0' || true)
echo "label: the judge chose the data's chosen answer in $agreed of $(wc -l < "$data" | tr -d ' ') pairs"

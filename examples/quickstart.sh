#!/usr/bin/env bash
# prefloop quickstart: builds the CLI (first run only) and runs the data verbs on bundled example data.
# Needs Java 17 and Maven; nothing else is downloaded at run time.
# Output goes to ${QUICKSTART_DIR:-./quickstart-out}; rerunning is a no-op for steps already done.
set -euo pipefail
root=$(cd -- "$(dirname -- "$0")/.." && pwd)
out=${QUICKSTART_DIR:-"$PWD/quickstart-out"}
pf="$root/prefloop"

if [ ! -f "$root/cli/target/prefloop.jar" ]; then
  echo "== building prefloop (mvn -B -q package -DskipTests)"
  (cd "$root" && mvn -B -q package -DskipTests)
fi
"$pf" --version

echo "== 1. inspect the bundled mixed preference data (standard, conversational, pre-tokenized)"
"$pf" inspect "$root/examples/data/mixed-preferences.jsonl" --samples 2

echo "== 2. convert JSON Lines to Arrow shards"
"$pf" convert "$root/examples/data/arithmetic-pairs.jsonl" --out "$out/pairs-arrow" --json

echo "== 3. split the Arrow dataset into two slices, as two workers would (--shard i/n)"
"$pf" convert "$out/pairs-arrow" --out "$out/pairs-sliced" --format jsonl.gz --shard 0/2
"$pf" convert "$out/pairs-arrow" --out "$out/pairs-sliced" --format jsonl.gz --shard 1/2

echo "== 4. the slices read back as one dataset"
"$pf" inspect "$out/pairs-sliced" --samples 1

echo "== 5. rerunning a finished step does nothing"
"$pf" convert "$root/examples/data/arithmetic-pairs.jsonl" --out "$out/pairs-arrow"

echo "quickstart done: outputs in $out"

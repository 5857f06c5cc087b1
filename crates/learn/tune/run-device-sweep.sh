#!/usr/bin/env bash
# The next GPU training run (prepared 2026-12-04, not yet run): two tuned configurations one
# after the other (never side by side: see run-device.sh), each with twice the epochs of the
# committed run (its dev span F1 was still rising at epoch 7-8), then the static head distilled
# from whichever scored better on dev. About 420 s on one H200 (an epoch ~10 s at rank 16).
# Usage: crates/learn/tune/run-device-sweep.sh DATA_DIR MODEL_DIR OUT_DIR  (from prepare.sh)
# Back here: score both with `onrecord-learn` / score_quotes.py on PolNeAR dev before adopting
# either (BENCHMARKS.md, "Fine-tuned encoder and distilled static head").
set -eu
data=$1 model=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
# EXTRA: flags appended to every run (a smoke test here: EXTRA="--max-docs 3 --epochs 1 --static-epochs 1").
common="--data $data --model $model --out $out --batch 8 --layers 3 --dropout 0.1"
export OMP_NUM_THREADS=8
# A: more capacity in the adapters.
timeout 200 python3 "$here/tune_attribution.py" $common --rank 32 --alpha 64 --lr 5e-4 --head-lr 2e-3 \
  --epochs 16 --tune-seconds 175 --tag=-r32 ${EXTRA:-} || echo "config r32 stopped: $?"
# B: the committed configuration, longer and with a higher encoder learning rate.
timeout 200 python3 "$here/tune_attribution.py" $common --rank 16 --alpha 32 --lr 1e-3 --head-lr 2e-3 \
  --epochs 16 --tune-seconds 175 --tag=-lr1e3 ${EXTRA:-} || echo "config lr1e3 stopped: $?"
best=$(for t in -r32 -lr1e3; do
  f=$(grep -o 'best dev mean span F1 [0-9.]*' "$out/train-log-tuned$t.txt" 2>/dev/null | awk '{print $NF}')
  echo "${f:-0} $t"; done | sort -rn | head -1 | awk '{print $2}')
echo "best tuned configuration: $best"
rank=$([ "$best" = "-r32" ] && echo "32 --alpha 64" || echo "16 --alpha 32")
timeout 150 python3 "$here/tune_attribution.py" $common --rank $rank --teacher "$out/attribution-head-tuned$best.safetensors" \
  --distil --no-gold-baseline --static-epochs 12 --deadline 140 --tag="$best-distil" ${EXTRA:-} || echo "distillation stopped: $?"

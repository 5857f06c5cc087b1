#!/usr/bin/env bash
# One GPU session's training run (the `device` tool: PyTorch + CUDA, no Rust, no network).
# Usage: crates/learn/tune/run-device.sh DATA_DIR MODEL_DIR OUT_DIR [SECONDS]
#   DATA_DIR: train.jsonl(.gz), dev.jsonl(.gz), unlabeled.jsonl(.gz) from `onrecord-learn export`
#   MODEL_DIR: config.json + model.safetensors of all-minilm-l6-v2 (f16 is fine)
# Trains three configurations side by side on the one GPU (the work is small; Python is the
# bottleneck), each under a time limit so that whatever finished is kept.
set -u
data=$1 model=$2 out=$3 limit=${4:-480}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader > "$out/gpu.txt" 2>&1
run() {
  tag=$1; shift
  timeout "$limit" python3 "$here/tune_attribution.py" --data "$data" --model "$model" --out "$out" --tag="$tag" "$@" > "$out/stdout$tag.txt" 2>&1
  echo "config $tag exit $?" >> "$out/status.txt"
}
run "" --rank 16 --alpha 32 --lr 5e-4 --head-lr 2e-3 --epochs 10 --layers 3 --dropout 0.1 --distil --static-epochs 15 &
run "-r32" --rank 32 --alpha 64 --lr 8e-4 --head-lr 2e-3 --epochs 12 --layers 3 --dropout 0.1 &
run "-l2" --rank 16 --alpha 32 --lr 3e-4 --head-lr 2e-3 --epochs 14 --layers 2 --dropout 0.2 &
wait
cat "$out/status.txt"
tail -n 4 "$out"/train-log-tuned*.txt

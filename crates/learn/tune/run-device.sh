#!/usr/bin/env bash
# The GPU training run (the `device` tool: PyTorch + CUDA, no Rust, no network), as it produced
# the committed tuned and static heads on 2026-12-04 (259 s on one H200).
# Usage: crates/learn/tune/run-device.sh DATA_DIR MODEL_DIR OUT_DIR
#   DATA_DIR, MODEL_DIR: made by crates/learn/tune/prepare.sh (carried to the GPU machine)
# One process only: three training processes side by side, each with PyTorch's default CPU
# threads, starved each other on the GPU machine (no epoch finished in 400 s); alone, an epoch
# of the tuned model takes ~10 s.
set -eu
data=$1 model=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
OMP_NUM_THREADS=8 timeout 320 python3 "$here/tune_attribution.py" --data "$data" --model "$model" --out "$out" \
  --rank 16 --alpha 32 --lr 5e-4 --head-lr 2e-3 --epochs 8 --batch 8 --layers 3 --dropout 0.1 \
  --distil --static-epochs 12 --tune-seconds 200 --deadline 300

#!/usr/bin/env bash
# Prepares target/gpu (git-ignored) for the GPU throughput run of the learned tier
# (benches/gpu/run-device.sh on the `device` tool's machine, which has no Rust):
#   target/gpu/onrecord.xz           `onrecord` built with --features cuda (scripts/build-cuda.sh),
#                                    stripped (79 MB, 14 MB in xz: a device call carries 64 MiB in all)
#   target/gpu/model/                MiniLM config, tokenizer and weights in f16 (45 MB, 41 MB in xz)
#   target/gpu/heads/                the committed tuned head
#   target/gpu/data/                 PolNeAR train and dev inputs (never the gold)
#   target/gpu/cpu-dev.jsonl         this machine's CPU output on PolNeAR dev with the same f16 model,
#                                    to compare the GPU's output with
# Needs: scripts/build-cuda.sh done, the fetched model (scripts/fetch-models.sh), ../shared/data,
# a python with safetensors and numpy ($PYTHON, default python3), and the CPU release build
# (target/release/onrecord).
# Then (device tool): carry ["target/gpu"], command `bash benches/gpu/run-device.sh target/gpu`.
set -euo pipefail
cd "$(dirname "$0")/../.."
g=target/gpu
mkdir -p $g/model $g/heads $g/data
strip -o $g/onrecord target/cuda/release/onrecord
xz -f -T2 -9 $g/onrecord
cp models/all-minilm-l6-v2/config.json models/all-minilm-l6-v2/tokenizer.json $g/model/
${PYTHON:-python3} - <<'PY'
from safetensors.numpy import load_file, save_file
w = load_file("models/all-minilm-l6-v2/model.safetensors")
save_file({k: (v.astype("float16") if v.dtype.kind == "f" else v) for k, v in w.items()}, "target/gpu/model/model.safetensors")
PY
cp crates/learn/model/attribution-head-tuned.safetensors $g/heads/
cp ../shared/data/polnear/train.input.jsonl ../shared/data/polnear/dev.input.jsonl $g/data/
gzip -f $g/data/*.jsonl
ONRECORD_MODEL_DIR=$g/model ONRECORD_HEAD_DIR=$g/heads target/release/onrecord extract --learned=tuned \
  ../shared/data/polnear/dev.input.jsonl > $g/cpu-dev.jsonl
xz -f -T2 -9 $g/model/model.safetensors
du -sh $g

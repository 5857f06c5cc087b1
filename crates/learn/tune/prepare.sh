#!/usr/bin/env bash
# Prepares what the GPU run needs, under target/tune (git-ignored; carry it to the GPU machine):
#   target/tune/data/{train,dev,unlabeled}.jsonl.gz  from `onrecord-learn export`
#   target/tune/model/{config.json,model.safetensors}  MiniLM in f16 (45 MB: fits the 64 MiB
#                                                      a device call may carry, with the data)
# Needs the release build, the fetched model (scripts/fetch-models.sh), ../shared/data, and a
# python3 with safetensors and numpy (pip install safetensors numpy).
set -eu
cd "$(dirname "$0")/../../.."
data=../shared/data
bin=target/release/onrecord-learn
mkdir -p target/tune/data target/tune/model
$bin export --gold $data/polnear/train.gold.jsonl --out target/tune/data/train.jsonl
$bin export --gold $data/polnear/dev.gold.jsonl --out target/tune/data/dev.jsonl
# Unlabelled news for distillation (the tuned model labels them): FNC-1 bodies, CoNLL-2003
# train texts, MEANTIME. Never PolNeAR dev or any test split.
$bin export --input $data/stance/fnc1-train-bodies.jsonl --input $data/conll2003/train.input.jsonl \
  --input $data/meantime/full.input.jsonl --out target/tune/data/unlabeled.jsonl
gzip -f target/tune/data/*.jsonl
cp models/all-minilm-l6-v2/config.json target/tune/model/
python3 - <<'PY'
from safetensors.numpy import load_file, save_file
w = load_file("models/all-minilm-l6-v2/model.safetensors")
save_file({k: (v.astype("float16") if v.dtype.kind == "f" else v) for k, v in w.items()}, "target/tune/model/model.safetensors")
PY
du -sh target/tune

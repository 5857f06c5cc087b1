#!/usr/bin/env bash
# The learned tier (`extract --learned=tuned`) on the GPU machine with candle's CUDA backend.
# Usage: bash benches/gpu/run-device.sh target/gpu   (made by benches/gpu/prepare.sh; results in $OUT)
# Prints articles/s on PolNeAR train (840 articles) at 1, 2 and 4 worker threads, the same on the
# machine's CPU cores for comparison (first 100 articles), and whether the GPU's output on PolNeAR
# dev equals the CPU's (prepared on the development machine with the same f16 weights).
set -u
g=$1
out=${OUT:-/tmp/gpu-out}
mkdir -p "$out" /tmp/gpu
# xz-compressed to fit a call's 64 MiB; python's lzma unpacks them wherever xz is missing.
unxz() { python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; }
unxz "$g/onrecord.xz" /tmp/gpu/onrecord && chmod +x /tmp/gpu/onrecord
mkdir -p /tmp/gpu/model && cp "$g"/model/*.json /tmp/gpu/model/ && unxz "$g/model/model.safetensors.xz" /tmp/gpu/model/model.safetensors
for f in "$g"/data/*.gz; do gunzip -c "$f" > /tmp/gpu/$(basename "${f%.gz}"); done
# The CUDA 13 libraries from PyTorch's wheels; libcuda.so.1 from the driver.
NV=$(python3 -c 'import nvidia, os; print(os.path.join(list(nvidia.__path__)[0], "cu13", "lib"))' 2>/dev/null)
export LD_LIBRARY_PATH=$NV:/usr/local/nvidia/lib64:/usr/local/nvidia/lib:/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export ONRECORD_MODEL_DIR=/tmp/gpu/model ONRECORD_HEAD_DIR=$g/heads
ldd /tmp/gpu/onrecord | grep -E "cuda|cublas|curand|nvrtc|not found" | tee "$out/ldd.txt"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"
bin=/tmp/gpu/onrecord
run() { # label, then the command's arguments
  local label=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  timeout 150 "$bin" extract --learned=tuned "$@" > "$out/$label.jsonl" 2> "$out/$label.err"
  local rc=$?
  t1=$(date +%s.%N)
  local n
  n=$(wc -l < "$out/$label.jsonl")
  python3 -c "import sys; l, rc, n, a, b = sys.argv[1:]; s = float(b) - float(a); print(f'{l} rc={rc} articles={n} seconds={s:.2f} articles/s={int(n) / s:.1f}')" "$label" $rc $n $t0 $t1 | tee -a "$out/speed.txt"
  tail -3 "$out/$label.err"
}
run dev-gpu --device cuda --threads 2 /tmp/gpu/dev.input.jsonl
if cmp -s "$out/dev-gpu.jsonl" "$g/cpu-dev.jsonl"; then echo "dev: GPU output identical to the CPU's" | tee -a "$out/speed.txt"
else echo "dev: GPU output differs from the CPU's in $(diff <(cat "$out/dev-gpu.jsonl") "$g/cpu-dev.jsonl" | grep -c '^<') of 84 documents" | tee -a "$out/speed.txt"; fi
for t in 1 2 4; do run train-gpu-t$t --device cuda --threads $t /tmp/gpu/train.input.jsonl; done
head -100 /tmp/gpu/train.input.jsonl > /tmp/gpu/train100.jsonl
run train100-cpu-t16 --device cpu --threads 16 /tmp/gpu/train100.jsonl
rm -f "$out"/train-*.jsonl

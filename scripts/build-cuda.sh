#!/usr/bin/env bash
# Builds `onrecord` with candle's CUDA backend (cargo feature `cuda`), for
# `onrecord extract --learned=tuned --device cuda` on an NVIDIA GPU.
#
# Needs no GPU and no CUDA install here: nvcc, the CUDA headers and the runtime libraries come
# from PyPI by package name into target/cuda-toolchain. The one library PyPI does not carry is
# libcuda.so, which belongs to the GPU machine's driver; the linker only needs its symbol names,
# so a stub is generated from cudarc's driver bindings (the real one is loaded at run time, by
# its soname libcuda.so.1). The binary lands in target/cuda/release/onrecord; at run time it
# needs the driver and the CUDA 13 libraries (cudart, cublas, cublasLt, curand, nvrtc) on the
# library path: benches/gpu/run-device.sh finds them on the GPU machine.
#
# CUDA_COMPUTE_CAP (default 90, Hopper: H100/H200) picks the GPU generation the kernels are
# compiled for. The first build takes a long while (nvcc compiles candle's kernels).
set -euo pipefail
cd "$(dirname "$0")/.."

CAP=${CUDA_COMPUTE_CAP:-90}
TC=$PWD/target/cuda-toolchain
# CUDA 13.0: the GPU machine's nvcc and driver (580) are 13.0; keep these in step with each other.
PACKAGES=(
  nvidia-cuda-nvcc==13.0.88 nvidia-nvvm==13.0.88 nvidia-cuda-crt==13.0.88 nvidia-cuda-cccl==13.0.85
  nvidia-cuda-runtime==13.0.96 nvidia-cuda-nvrtc==13.0.88 nvidia-curand==10.4.0.35 nvidia-cublas==13.0.2.14
)

if [ ! -x "$TC/venv/bin/python" ]; then
  echo "build-cuda: installing the CUDA 13.0 compiler and libraries from PyPI into $TC (about 1.2 GB)" >&2
  python3 -m venv "$TC/venv"
fi
"$TC/venv/bin/python" -m pip install -q "${PACKAGES[@]}"
NV=$("$TC/venv/bin/python" -c 'import nvidia, os; print(os.path.join(list(nvidia.__path__)[0], "cu13"))')
[ -x "$NV/bin/nvcc" ] || { echo "build-cuda: no nvcc in $NV/bin" >&2; exit 1; }

# Unversioned names for the linker, and the driver stub.
LIB=$TC/lib
mkdir -p "$LIB"
for l in cudart.so.13 cublas.so.13 cublasLt.so.13 curand.so.10 nvrtc.so.13; do
  ln -sf "$NV/lib/lib$l" "$LIB/lib${l%.so.*}.so"
done
CUDARC=$(cargo metadata --format-version 1 --features onrecord-cli/cuda 2>/dev/null \
  | python3 -c 'import json,sys; print(next(p["manifest_path"] for p in json.load(sys.stdin)["packages"] if p["name"]=="cudarc").rsplit("/",1)[0])')
grep -oE '^\s+fn (cu[A-Za-z0-9_]+)\(' "$CUDARC/src/driver/sys/mod.rs" | sed -E 's/^\s+fn (cu[A-Za-z0-9_]+)\(/void \1(void) {}/' | sort -u > "$LIB/cuda-stub.c"
cc -shared -fPIC -Wl,-soname,libcuda.so.1 -o "$LIB/libcuda.so" "$LIB/cuda-stub.c"

export PATH=$NV/bin:$PATH CUDA_ROOT=$NV CUDA_PATH=$NV CUDA_COMPUTE_CAP=$CAP
export LIBRARY_PATH=$LIB${LIBRARY_PATH:+:$LIBRARY_PATH}
cargo build --release -p onrecord-cli --features cuda --target-dir target/cuda
echo "build-cuda: target/cuda/release/onrecord (sm_$CAP)" >&2

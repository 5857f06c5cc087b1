# Sourced by the ledger benchmarks (ledger_scale.sh, stream_memory.sh), from the repository root
# with $shared and $out set: `replica N MODE SLICE` makes, the first time, the N-article replica of
# PolNeAR train + dev + the sample corpus (benches/replicate.py: varied ids; MODE mixed or exact)
# in files of SLICE articles under $out/MODE-N, and prints that folder.
replica() {
  local n=$1 mode=$2 slice=$3
  local src=$out/$mode-$n
  if [ ! -f "$src/.done" ]; then
    rm -rf "$src"
    python3 benches/replicate.py "$n" "$src" --slice "$slice" --mode "$mode" \
      "$shared/data/polnear/train.input.jsonl" "$shared/data/polnear/dev.input.jsonl" samples/wikinews-meantime.jsonl >&2
    touch "$src/.done"
  fi
  echo "$src"
}

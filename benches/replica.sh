# Sourced by the ledger benchmarks (ledger_scale.sh, stream_memory.sh), from the repository root
# with $shared and $out set: `replica N MODE SLICE [DATES]` makes, the first time, the N-article
# replica of PolNeAR train + dev + the sample corpus (benches/replicate.py: varied ids; MODE mixed
# or exact; DATES source, the default, or feed) in files of SLICE articles under $out/MODE-N (or
# $out/MODE-feed-N), and prints that folder.
replica() {
  local n=$1 mode=$2 slice=$3 dates=${4:-source}
  local src=$out/$mode-$n
  [ "$dates" = source ] || src=$out/$mode-$dates-$n
  if [ ! -f "$src/.done" ]; then
    rm -rf "$src"
    python3 benches/replicate.py "$n" "$src" --slice "$slice" --mode "$mode" --dates "$dates" \
      "$shared/data/polnear/train.input.jsonl" "$shared/data/polnear/dev.input.jsonl" samples/wikinews-meantime.jsonl >&2
    touch "$src/.done"
  fi
  echo "$src"
}

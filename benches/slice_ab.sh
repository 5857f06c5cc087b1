#!/usr/bin/env bash
# A/B of one ingest (with its linking) on copies of the same ledger: BIN_A and BIN_B alternate,
# each ingesting SLICE into a fresh copy of LEDGER, PAIRS times (the machine's speed drifts, so
# compare within a pair). Prints per run: seconds, analysis / store / link seconds, the link
# steps, user / system CPU and peak RSS. Linking's parts go to the run's stderr file with
# ONRECORD_DEBUG_LINK=1.
# Usage: benches/slice_ab.sh LEDGER.db SLICE.jsonl BIN_A BIN_B [PAIRS=2]
# e.g. a 90,000-article ledger: the first 9 slices of benches/ledger_scale.sh ingested into one
# file, then slice-09.jsonl.
set -euo pipefail
ledger=$1 slice=$2 a=$3 b=$4 pairs=${5:-2}
work=$(mktemp -d "${TMPDIR:-/tmp}/onrecord-ab.XXXXXX")
trap 'rm -rf "$work"' EXIT
run() {
  local label=$1 bin=$2
  cp "$ledger" "$work/l.db"; rm -f "$work/l.db-wal" "$work/l.db-shm"; sync
  ONRECORD_DEBUG_LINK=1 /usr/bin/time -f "%U %S %M" -o "$work/time" "$bin" ingest --claims lexical --json --db "$work/l.db" "$slice" > "$work/sum.json" 2> "$work/err-$label"
  python3 - "$label" "$work/sum.json" "$work/time" <<'PY'
import json, sys
s = json.load(open(sys.argv[2])); u, k, rss = open(sys.argv[3]).read().split()
steps = ", ".join(f"{n} {v:.2f}" for n, v in s.get("link_steps", []) if v >= 0.05)
print(f"{sys.argv[1]}: {s['seconds']:.1f} s (analysis {s['analysis_seconds']:.1f}, store {s['store_seconds']:.1f}, link {s['link_seconds']:.2f}: {steps}), user {u} s, sys {k} s, peak RSS {int(rss) // 1024} MB")
PY
}
for _ in $(seq "$pairs"); do
  run A "$a"
  run B "$b"
done

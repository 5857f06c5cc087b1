#!/usr/bin/env bash
# The ledger at scale: replicates PolNeAR train + dev + the sample corpus to N articles with varied
# ids (benches/replicate.py; mixed texts by default so copy detection does not fold everything into
# one cluster), ingests them in slices of 10,000 (one `onrecord ingest --claims lexical` run per
# slice, each linking at its end, as a news feed would arrive), and prints per slice: articles/s,
# where the time went (analysis, storing, linking), peak RSS and the database size. Then times the
# query API on the full ledger (crates/ledger/examples/query_latency.rs, 200 random calls each).
# Usage: benches/ledger_scale.sh [N=100000] [MODE=mixed|exact] [DATES=source|feed]
#        (BIN=..., BENCH_OUT=..., SLICE=...; DATES=feed: publication dates advance with the
#        replica, 1,000 articles a day, as a feed's would; benches/replicate.py)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}; mode=${2:-mixed}; dates=${3:-source}
shared=${SHARED:-../shared}
[ -f "$shared/data/polnear/train.input.jsonl" ] || { echo "SKIPPED: $shared/data/polnear is absent"; exit 0; }
out=${BENCH_OUT:-bench-out}/ledger; mkdir -p "$out"
slice=${SLICE:-10000}
if [ -z "${BIN:-}" ]; then cargo build --release -q -p onrecord-cli; bin=target/release/onrecord; else bin=$BIN; fi
source benches/replica.sh
src=$(replica "$n" "$mode" "$slice" "$dates")
db=$src.db
rm -f "$db" "$db-wal" "$db-shm"
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| slice | articles in ledger | articles/s (whole run) | analysis s | store s | link s | link steps (s) | peak RSS MB | DB MB | load |"
echo "|---|---|---|---|---|---|---|---|---|---|"
total=0
for f in "$src"/slice-*.jsonl; do
  /usr/bin/time -f "%M" -o "$out/time.txt" "$bin" ingest --claims lexical --json --db "$db" "$f" > "$out/sum.json"
  total=$((total + $(wc -l < "$f")))
  size=$(du -bc "$db"* | tail -1 | cut -f1)
  python3 - "$out/sum.json" "$(cat "$out/time.txt")" "$size" "$(basename "$f")" "$total" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); rss = int(sys.argv[2]) / 1024; size = int(sys.argv[3]) / 2**20
steps = ", ".join(f"{k} {v:.1f}" for k, v in s.get("link_steps", []))
rate = (s["ingested"] + s["reanalysed"]) / s["seconds"]
print(f"| {sys.argv[4]} | {sys.argv[5]} | {rate:.0f} | {s['analysis_seconds']:.1f} | {s['store_seconds']:.1f} | {s['link_seconds']:.1f} | {steps} | {rss:.0f} | {size:.0f} | {sys.argv[6]} |")
PY
done

echo
cargo build --release -q -p onrecord-ledger --example query_latency
target/release/examples/query_latency "$db" 200

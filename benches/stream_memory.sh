#!/usr/bin/env bash
# Memory on one long stream: the N-article replica that ledger_scale.sh makes (benches/replicate.py),
# fed whole to one `onrecord extract` and to one `onrecord ingest` (which links every 10,000
# articles, `--link-every`), each process's resident memory sampled every second. Prints, per
# command, the seconds, articles/s, peak RSS and the RSS at each tenth of the run: flat, not
# growing with the stream, is the aim (issue 8).
# Usage: benches/stream_memory.sh [N=100000]    (BIN=..., BENCH_OUT=..., LINK_EVERY=...)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
shared=${SHARED:-../shared}
[ -f "$shared/data/polnear/train.input.jsonl" ] || { echo "SKIPPED: $shared/data/polnear is absent"; exit 0; }
out=${BENCH_OUT:-bench-out}/ledger; mkdir -p "$out"
if [ -z "${BIN:-}" ]; then cargo build --release -q -p onrecord-cli; bin=target/release/onrecord; else bin=$BIN; fi
source benches/replica.sh
src=$(replica "$n" mixed 10000)
db=$out/stream-$n.db

# Runs "$@" with the stream on standard input; samples its RSS (KiB) every second into $out/rss.txt.
sampled() {
  : > "$out/rss.txt"
  local start; start=$(date +%s.%N)
  cat "$src"/slice-*.jsonl | "$@" > /dev/null &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null >> "$out/rss.txt" || true
    sleep 1
  done
  wait "$pid"
  python3 - "$out/rss.txt" "$start" "$(date +%s.%N)" "$n" "$1 $2" <<'PY'
import sys
rss = [int(x) / 1024 for x in open(sys.argv[1]).read().split()]
secs = float(sys.argv[3]) - float(sys.argv[2]); n = int(sys.argv[4])
tenths = [rss[min(len(rss) - 1, len(rss) * k // 10)] for k in range(1, 11)] if rss else []
print(f"| {sys.argv[5].split('/')[-1]} | {secs:.1f} | {n / secs:.0f} | {max(rss, default=0):.0f} | {', '.join(f'{x:.0f}' for x in tenths)} |")
PY
}

echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| command ($n articles on stdin) | s | articles/s | peak RSS MB | RSS MB at each tenth of the run |"
echo "|---|---|---|---|---|"
sampled "$bin" extract --threads 2 -
rm -f "$db" "$db-wal" "$db-shm"
sampled "$bin" ingest --claims lexical --link-every "${LINK_EVERY:-10000}" --db "$db" -
rm -f "$db" "$db-wal" "$db-shm"

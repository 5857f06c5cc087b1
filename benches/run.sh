#!/usr/bin/env bash
# The whole speed benchmark in one run, beside the peers, printing markdown tables for BENCHMARKS.md:
#   1. extract throughput (articles/s, MB/s, CPU ms per article; median of 5 runs) on PolNeAR
#      train, 1 and 2 threads;
#   2. attribution accuracy + speed beside spaCy sm + textacy (benches/quotes.sh);
#   3. HTML pages/s on the Zyte pages replicated to N_HTML, beside Python trafilatura (html_scale.sh);
#   4. ledger ingest per 10k slice, peak RSS, DB size, then query p50/p99 (ledger_scale.sh);
#   5. memory on one long stream: one extract and one ingest of the whole replica (stream_memory.sh).
# Usage: benches/run.sh [--quick]
#   --quick: 2,000 HTML pages, a 20,000-article ledger (minutes instead of the better part of an hour).
# Needs ../shared (skips what is absent); the peers' venv is set up from PyPI on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0; [ "${1:-}" = --quick ] && quick=1
n_html=$([ $quick = 1 ] && echo 2000 || echo 10000)
n_ledger=$([ $quick = 1 ] && echo 20000 || echo 100000)
shared=${SHARED:-../shared}
export SHARED=$shared
cargo build --release -q -p onrecord-cli
cargo build --release -q -p onrecord-ledger --example query_latency
export BIN=target/release/onrecord
echo "# onrecord speed benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(nproc) cores, $(uname -m), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg) at start"
echo

in=$shared/data/polnear/train.input.jsonl
if [ -f "$in" ]; then
  echo "## extract, PolNeAR train"
  docs=$(wc -l < "$in"); mb=$(du -b "$in" | cut -f1)
  # Five runs per thread count, the median shown: this machine's speed moves by up to 40% from
  # one period to the next, and a single run can land in a dip. CPU ms per article (user + system)
  # tells a slow period (more CPU for the same work) from a change in the code.
  echo "| threads | articles/s (median of 5) | MB/s | CPU ms per article | runs, articles/s |"
  echo "|---|---|---|---|---|"
  for th in 1 2; do
    runs=""
    for _ in 1 2 3 4 5; do
      s=$(date +%s.%N)
      /usr/bin/time -f "%U %S" -o "${TMPDIR:-/tmp}/onrecord-extract-time" $BIN extract --threads $th "$in" > /dev/null
      e=$(date +%s.%N)
      runs="$runs $(python3 -c "print($e - $s)"),$(tr ' ' ',' < "${TMPDIR:-/tmp}/onrecord-extract-time")"
    done
    python3 - "$th" "$docs" "$mb" $runs <<'PY'
import statistics, sys
th, docs, mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
runs = [tuple(map(float, r.split(","))) for r in sys.argv[4:]]
wall = statistics.median(r[0] for r in runs)
cpu = statistics.median(r[1] + r[2] for r in runs)
rates = ", ".join(f"{docs / r[0]:.0f}" for r in runs)
print(f"| {th} | {docs / wall:.0f} | {mb / 1e6 / wall:.2f} | {1000 * cpu / docs:.2f} | {rates} |")
PY
  done
  echo
  echo "## attribution beside spaCy + textacy (PolNeAR dev)"
  bash benches/quotes.sh dev | tail -4
  echo
else
  echo "SKIPPED extract: $in is absent"
fi

echo "## HTML, $n_html pages"
QUICK=$quick bash benches/html_scale.sh "$n_html" | tail -6
echo

echo "## ledger, $n_ledger articles"
bash benches/ledger_scale.sh "$n_ledger"
echo

echo "## one stream of $n_ledger articles, memory sampled"
bash benches/stream_memory.sh "$n_ledger"
echo
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

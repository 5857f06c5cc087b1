#!/usr/bin/env bash
# The pages each linking writes as the ledger grows, for one or more builds: every 10,000-article
# slice of the replica is stored without linking (`ingest --no-link`) and then linked alone under
# strace, which records each frame the linking writes to the write-ahead log (the first 4 bytes
# of a 24-byte frame header hold its page number). Prints, per slice and build, the log frames
# and the distinct pages of that linking, then per build the sums and the mean over the first
# and the last fifth of the slices. Deterministic (the machine's speed does not enter), so builds
# compare run against run. Needs strace; disk for one ledger per build.
# Usage: benches/link_pages.sh BIN [BIN ...]   (N=200000 MODE=mixed DATES=source BENCH_OUT=...)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${N:-200000}; mode=${MODE:-mixed}; dates=${DATES:-source}
shared=${SHARED:-../shared}
[ -f "$shared/data/polnear/train.input.jsonl" ] || { echo "SKIPPED: $shared/data/polnear is absent"; exit 0; }
command -v strace > /dev/null || { echo "SKIPPED: needs strace"; exit 0; }
out=${BENCH_OUT:-bench-out}/ledger; mkdir -p "$out"
source benches/replica.sh
src=$(replica "$n" "$mode" 10000 "$dates")
: > "$out/empty.jsonl"
echo "machine: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ); builds: $*"
log="$out/link-pages.log"; : > "$log"
for i in $(seq 1 $#); do rm -f "$out/lp-$i.db"*; done
k=0
for f in "$src"/slice-*.jsonl; do
  k=$((k + $(wc -l < "$f")))
  i=0
  for bin in "$@"; do
    i=$((i + 1))
    db="$out/lp-$i.db"
    "$bin" ingest --no-link --claims lexical --json --db "$db" "$f" > /dev/null
    strace -f -e trace=pwrite64 -s 4 -xx -o "$out/lp-trace" "$bin" ingest --claims lexical --json --db "$db" "$out/empty.jsonl" > /dev/null
    python3 - "$out/lp-trace" "$i" "$k" <<'PY' | tee -a "$log"
import re, sys
pages = []
for line in open(sys.argv[1]):
    m = re.search(r'pwrite64\((\d+), "([^"]*)"\.*, 24,', line)
    if m:
        pages.append(int.from_bytes(bytes.fromhex(m.group(2).replace('\\x', ''))[:4], 'big'))
print(f"build {sys.argv[2]} articles {sys.argv[3]} frames {len(pages)} pages {len(set(pages))}", flush=True)
PY
  done
done
rm -f "$out/lp-trace"
python3 - "$log" "$@" <<'PY'
import re, sys
rows = {}
for line in open(sys.argv[1]):
    b, k, fr, pg = map(int, re.match(r"build (\d+) articles (\d+) frames (\d+) pages (\d+)", line).groups())
    rows.setdefault(b, []).append((k, fr, pg))
print("| build | linkings | frames, sum | pages, sum | pages, mean of the first fifth | of the last fifth | growth |")
print("|---|---|---|---|---|---|---|")
for b, r in sorted(rows.items()):
    # The first linking builds everything from scratch: the means start at the second.
    inc = r[1:] or r
    fifth = max(len(inc) // 5, 1)
    first = sum(x[2] for x in inc[:fifth]) / fifth
    last = sum(x[2] for x in inc[-fifth:]) / fifth
    print(f"| {sys.argv[1 + b]} | {len(r)} | {sum(x[1] for x in r)} | {sum(x[2] for x in r)} | {first:.0f} | {last:.0f} | {100 * (last / first - 1):+.0f}% |")
PY
for i in $(seq 1 $#); do rm -f "$out/lp-$i.db"*; done

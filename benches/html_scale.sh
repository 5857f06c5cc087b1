#!/usr/bin/env bash
# HTML main-text extraction at scale: the 181 Zyte benchmark pages replicated (hard links, no
# copies) to N pages under bench-out/, `onrecord extract` over all of them (whole pipeline, 2 and
# 1 threads), then Python trafilatura's extract() on the same pages in the same run (one process,
# one pass). F1 is scored on the first copy of each page (the replicas are the same pages).
# Usage: benches/html_scale.sh [N=10000]    (BIN=..., BENCH_OUT=..., SHARED=...)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
shared=${SHARED:-../shared}
pages=$shared/data/html-extraction/zyte/html
gold=$shared/data/html-extraction/zyte/ground-truth.json
[ -d "$pages" ] || { echo "SKIPPED: $pages is absent"; exit 0; }
out=${BENCH_OUT:-bench-out}/html; mkdir -p "$out"
if [ -z "${BIN:-}" ]; then cargo build --release -q -p onrecord-cli; bin=target/release/onrecord; else bin=$BIN; fi
dir=$out/pages-$n
if [ ! -f "$dir/.done" ]; then
  rm -rf "$dir"; mkdir -p "$dir"
  python3 - "$pages" "$dir" "$n" <<'PY'
import os, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = sorted(f for f in os.listdir(src) if f.endswith(".html.gz"))
for i in range(n):
    f = files[i % len(files)]
    rep = i // len(files)
    name = f if rep == 0 else f"r{rep:03d}x{f}"
    try:
        os.link(os.path.join(src, f), os.path.join(dst, name))
    except OSError:  # another file system: copy
        with open(os.path.join(src, f), "rb") as a, open(os.path.join(dst, name), "wb") as b:
            b.write(a.read())
PY
  touch "$dir/.done"
fi
mb=$(python3 -c "import gzip,os,sys; d=sys.argv[1]; print(round(sum(len(gzip.open(os.path.join(d,f)).read()) for f in os.listdir(d) if f.endswith('.gz'))/1e6,1))" "$dir")
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg); $n pages, $mb MB of HTML"
declare -A secs
for th in 2 1; do
  s=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$out/rss.$th" "$bin" extract --threads "$th" "$dir" > "$out/onrecord.$th.jsonl" 2> "$out/onrecord.err" || true
  e=$(date +%s.%N)
  secs[$th]=$(echo "$e - $s" | bc)
  [ "${QUICK:-0}" = 1 ] && break
done
# Score the first copy of each page.
python3 - "$out/onrecord.2.jsonl" "$out/onrecord.first.jsonl" <<'PY'
import json, sys
with open(sys.argv[2], "w") as o:
    for line in open(sys.argv[1]):
        if not json.loads(line)["id"].startswith("r0"):
            o.write(line)
PY
python3 "$shared/eval/score_extraction.py" "$out/onrecord.first.jsonl" --gold "$gold" --json > "$out/onrecord.score.json"
venv=$(bash benches/peers/setup.sh)
ZYTE_HTML="$dir" "$venv/bin/python" benches/peers/run_trafilatura.py "$out/trafilatura.jsonl" 1 > "$out/trafilatura.timing.json"
python3 - "$out/trafilatura.jsonl" "$out/trafilatura.first.jsonl" <<'PY'
import json, sys
with open(sys.argv[2], "w") as o:
    for line in open(sys.argv[1]):
        if not json.loads(line)["id"].startswith("r0"):
            o.write(line)
PY
python3 "$shared/eval/score_extraction.py" "$out/trafilatura.first.jsonl" --gold "$gold" --json > "$out/trafilatura.score.json"
python3 - "$out" "$n" "${secs[2]}" "${secs[1]:-0}" "$mb" <<'PY'
import json, sys
out, n, t2, t1, mb = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
s = json.load(open(f"{out}/onrecord.score.json")); p = json.load(open(f"{out}/trafilatura.score.json"))
t = json.loads(open(f"{out}/trafilatura.timing.json").read().strip().splitlines()[-1])
rss = int(open(f"{out}/rss.2").read().strip()) / 1024
print("| system | F1 (181 pages) | pages/s | MB/s | ms/page | peak RSS MB |")
print("|---|---|---|---|---|---|")
print(f"| onrecord extract, 2 threads (decode, extract, metadata, whole analysis) | {s['f1']:.3f} | {n / t2:.0f} | {mb / t2:.1f} | {1000 * t2 / n:.1f} | {rss:.0f} |")
if t1 > 0:
    print(f"| onrecord extract, 1 thread | {s['f1']:.3f} | {n / t1:.0f} | {mb / t1:.1f} | {1000 * t1 / n:.1f} | |")
print(f"| Python trafilatura {t['trafilatura']} extract() only, 1 process | {p['f1']:.3f} | {t['pages_per_s']:.0f} | {t['MB_per_s']:.1f} | {t['ms_per_page']:.1f} | |")
print(f"ratio (onrecord 2 threads / trafilatura): {t['median_s'] / t2:.2f}x pages/s" + (f"; 1 thread: {t['median_s'] / t1:.2f}x" if t1 > 0 else ""))
PY

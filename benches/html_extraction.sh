#!/usr/bin/env bash
# Main-text extraction on the Zyte article-extraction benchmark (181 pages): builds the CLI,
# runs `onrecord extract` over the pages 3 times (median time; the full pipeline runs, so the
# time is per page analysed end to end), scores with shared/eval/score_extraction.py and prints
# a line for BENCHMARKS.md.
# Usage: benches/html_extraction.sh    Needs ../shared (or SHARED=...); skips otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${SHARED:-../shared}
pages=$shared/data/html-extraction/zyte/html
gold=$shared/data/html-extraction/zyte/ground-truth.json
[ -d "$pages" ] || { echo "SKIPPED: $pages is absent"; exit 0; }
out=${BENCH_OUT:-bench-out}; mkdir -p "$out"
cargo build --release -q -p onrecord-cli
bin=target/release/onrecord

echo "machine: $(nproc) cores, $(uname -m), load $(cut -d' ' -f1 /proc/loadavg), $(date -u +%Y-%m-%d)"
times=()
for i in 1 2 3; do
  s=$(date +%s.%N)
  # Exit status 1 only means some page failed; the scorer counts it as an empty prediction.
  $bin extract "$pages" > "$out/zyte.jsonl" 2> "$out/zyte.err" || true
  e=$(date +%s.%N)
  times+=("$(echo "$e - $s" | bc)")
done
t=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
n=$(ls "$pages" | wc -l)
python3 "$shared/eval/score_extraction.py" "$out/zyte.jsonl" --gold "$gold" --json > "$out/zyte.score.json"
python3 - "$out/zyte.score.json" "$t" "$n" "$(grep -c . "$out/zyte.err" || true)" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); t = float(sys.argv[2]); n = int(sys.argv[3]); errs = sys.argv[4]
print(f"pages {s['pages']}, missing {s['pages_missing_in_pred']}, empty {s['pages_empty_pred']}, error lines {errs}")
print("| benchmark | precision | recall | F1 | exact | ms/page (extract, whole pipeline) |")
print("|---|---|---|---|---|---|")
print(f"| Zyte article extraction, {n} pages | {s['precision']:.3f} | {s['recall']:.3f} | **{s['f1']:.3f}** | {s['exact']:.3f} | {1000 * t / n:.1f} |")
PY

# The peer on the same pages in the same run: Python trafilatura (extract() calls only, one process).
venv=$(bash benches/peers/setup.sh)
ZYTE_HTML="$pages" "$venv/bin/python" benches/peers/run_trafilatura.py "$out/zyte.trafilatura.jsonl" 3 > "$out/zyte.trafilatura.timing.json"
python3 "$shared/eval/score_extraction.py" "$out/zyte.trafilatura.jsonl" --gold "$gold" --json > "$out/zyte.trafilatura.score.json"
python3 - "$out/zyte.trafilatura.score.json" "$out/zyte.trafilatura.timing.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); t = json.loads(open(sys.argv[2]).read().strip().splitlines()[-1])
print(f"| Python trafilatura {t['trafilatura']} (extract only) | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {s['exact']:.3f} | {t['ms_per_page']:.1f} |")
PY

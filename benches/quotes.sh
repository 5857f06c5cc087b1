#!/usr/bin/env bash
# Attribution accuracy and speed on PolNeAR dev, onrecord beside the peer (spaCy en_core_web_sm +
# textacy direct_quotations) on the same input and scorer, in one run.
# Usage: benches/quotes.sh [SPLIT=dev]   Needs ../shared; sets up the peer venv from PyPI once.
set -euo pipefail
cd "$(dirname "$0")/.."
split=${1:-dev}
shared=${SHARED:-../shared}
in=$shared/data/polnear/$split.input.jsonl
gold=$shared/data/polnear/$split.gold.jsonl
[ -f "$in" ] || { echo "SKIPPED: $in is absent"; exit 0; }
out=${BENCH_OUT:-bench-out}; mkdir -p "$out"
cargo build --release -q -p onrecord-cli
bin=target/release/onrecord

echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d)"
# onrecord: median of 3 timed runs over the whole split.
times=()
for i in 1 2 3; do
  s=$(date +%s.%N); $bin extract "$in" > "$out/onrecord.$split.jsonl"; e=$(date +%s.%N)
  times+=("$(echo "$e - $s" | bc)")
done
t=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
docs=$(wc -l < "$in"); mb=$(du -bc "$in" | tail -1 | cut -f1)
echo "onrecord extract: $docs docs in ${t}s = $(echo "$docs / $t" | bc) docs/s"
python3 "$shared/eval/score_quotes.py" "$gold" "$out/onrecord.$split.jsonl" --json > "$out/onrecord.$split.score.json"

venv=$(bash benches/peers/setup.sh)
"$venv/bin/python" benches/peers/run_quotes.py textacy "$in" "$out/textacy.$split.jsonl" --timing "$out/textacy.$split.timing.json" --repeats 1 >/dev/null
python3 "$shared/eval/score_quotes.py" "$gold" "$out/textacy.$split.jsonl" --json > "$out/textacy.$split.score.json"

python3 - "$out" "$split" "$t" "$docs" <<'PY'
import json, sys
out, split, t, docs = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
tim = json.load(open(f"{out}/textacy.{split}.timing.json"))
peer_t = tim["median_total_s"]
print("| system | content F1 | source acc | attribution F1 | direct R | indirect R | docs/s |")
print("|---|---|---|---|---|---|---|")
for name, tt in (("onrecord", t), ("spaCy sm + textacy", peer_t)):
    s = json.load(open(f"{out}/{'onrecord' if name == 'onrecord' else 'textacy'}.{split}.score.json"))
    rk = s["recall_by_kind"]
    print(f"| {name} | {s['content_f1']:.3f} | {s['source_acc_on_matched']:.3f} | {s['attribution_f1']:.3f} | "
          f"{rk.get('direct', 0):.3f} | {rk.get('indirect', 0):.3f} | {docs / tt:.1f} |")
print(f"speed ratio: {peer_t / t:.1f}x")
PY

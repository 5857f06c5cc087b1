#!/usr/bin/env bash
# Two builds over the same replicated ledger, interleaved: each 10,000-article slice is ingested,
# with its linking (`ingest --claims lexical`), into two fresh ledgers, by binary A and then by
# binary B, so that both meet the machine in the same minute (its speed drifts by tens of percent
# over minutes here, so whole runs at different times do not compare; which goes first alternates
# from slice to slice). Prints a line per slice and binary, then each binary's sums, over all
# slices and over the slices after the first (the first links from scratch), with the main
# linking steps summed. Needs twice the disk of one ledger.
# Usage: benches/ledger_ab.sh A_BIN B_BIN [N=200000] [MODE=mixed] [DATES=source]   (BENCH_OUT=...)
set -euo pipefail
cd "$(dirname "$0")/.."
a=$1; b=$2; n=${3:-200000}; mode=${4:-mixed}; dates=${5:-source}
shared=${SHARED:-../shared}
[ -f "$shared/data/polnear/train.input.jsonl" ] || { echo "SKIPPED: $shared/data/polnear is absent"; exit 0; }
out=${BENCH_OUT:-bench-out}/ledger; mkdir -p "$out"
source benches/replica.sh
src=$(replica "$n" "$mode" 10000 "$dates")
rm -f "$out"/ab-[AB].db* "$out/ab.log"
echo "machine: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ); A = $a; B = $b"
k=0
for f in "$src"/slice-*.jsonl; do
  k=$((k + $(wc -l < "$f")))
  order="A B"; [ $(((k / 10000) % 2)) = 1 ] || order="B A"
  for which in $order; do
    if [ $which = A ]; then bin=$a; else bin=$b; fi
    /usr/bin/time -f "%e %U %S %M" -o "$out/ab-time.txt" "$bin" ingest --claims lexical --json --db "$out/ab-$which.db" "$f" > "$out/ab-sum.json"
    python3 - "$which" "$k" "$out" <<'PY' | tee -a "$out/ab.log"
import json, sys
which, k, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = json.load(open(f"{out}/ab-sum.json")); e, u, sy, rss = open(f"{out}/ab-time.txt").read().split()[-4:]
steps = " ".join(f"{n.replace(' ', '_')} {v:.2f}" for n, v in s.get("link_steps", []) if v > 0.1)
print(f"{which} {k} {s['ingested'] / s['seconds']:.0f} art/s | total {s['seconds']:.1f} analysis {s['analysis_seconds']:.1f} "
      f"store {s['store_seconds']:.1f} link {s['link_seconds']:.2f} | cpu {float(u) + float(sy):.1f} sys {sy} rss {int(rss) // 1024} MB | {steps}", flush=True)
PY
  done
done
python3 - "$out/ab.log" <<'PY'
import re, sys
rows = {}
for line in open(sys.argv[1]):
    m = re.match(r"(\w) (\d+) (\d+) art/s \| total ([\d.]+) analysis ([\d.]+) store ([\d.]+) link ([\d.]+) \| cpu ([\d.]+) sys ([\d.]+) rss (\d+)", line)
    if m:
        rows.setdefault(m.group(1), []).append([float(x) for x in m.groups()[1:]])
print("| binary | total s | analysis s | writer s | link s | CPU s | system CPU s | art/s, mean | peak RSS MB |")
print("|---|---|---|---|---|---|---|---|---|")
for which, r in sorted(rows.items()):
    tot = sum(x[2] for x in r)
    print(f"| {which} | {tot:.1f} | {sum(x[3] for x in r):.1f} | {sum(x[4] for x in r):.1f} | {sum(x[5] for x in r):.1f} | "
          f"{sum(x[6] for x in r):.1f} | {sum(x[7] for x in r):.1f} | {r[-1][0] / tot:.0f} | {max(x[8] for x in r):.0f} |")
# The linking steps (as `ONRECORD_DEBUG_LINK` names them) over the slices after the first.
names = ["speakers", "claims:_cluster", "wait_for_the_copy_plan", "copies", "commit"]
steps = {}
for line in open(sys.argv[1]):
    w = line.split()
    if len(w) > 2 and w[0] in rows and int(w[1]) > 10000:
        tail = line.rsplit("|", 1)[1].split()
        for n, v in zip(tail[::2], tail[1::2]):
            steps.setdefault(w[0], {}).setdefault(n, 0.0)
            steps[w[0]][n] += float(v)
print()
print("| binary, slices 2- | link s | " + " | ".join(n.replace("_", " ") + " s" for n in names) + " |")
print("|---|---|" + "---|" * len(names))
for which, r in sorted(rows.items()):
    print(f"| {which} | {sum(x[5] for x in r[1:]):.1f} | " + " | ".join(f"{steps.get(which, {}).get(n, 0.0):.1f}" for n in names) + " |")
PY
rm -f "$out"/ab-[AB].db*

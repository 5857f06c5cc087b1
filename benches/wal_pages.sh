#!/usr/bin/env bash
# Which pages one linking writes, by table: links a copy of LEDGER (articles stored with
# `ingest --no-link` and not yet linked) under strace, reads the page number of every frame the
# linking writes to the write-ahead log (the first 4 bytes of each 24-byte frame header), and maps
# the pages to tables and indexes with SQLite's `dbstat` on the linked copy. Prints the frames
# written, the distinct pages, and per table: pages written, of its pages, and frames.
# With INPUT, the same for storing INPUT without linking (`ingest --no-link INPUT`): the writer's
# pages instead of the linking's.
# Needs strace and the sqlite3 shell; the copy needs as much free disk as LEDGER.
# Usage: benches/wal_pages.sh LEDGER.db [BIN=target/release/onrecord] [INPUT.jsonl]
set -euo pipefail
ledger=$1
bin=${2:-target/release/onrecord}
input=${3:-}
command -v strace > /dev/null && command -v sqlite3 > /dev/null || { echo "SKIPPED: needs strace and sqlite3"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$ledger" "$work/l.db"
: > "$work/empty.jsonl"
if [ -n "$input" ]; then what=(--no-link "$input"); else what=("$work/empty.jsonl"); fi
strace -f -e trace=pwrite64 -s 4 -xx -o "$work/trace" "$bin" ingest --claims lexical --json --db "$work/l.db" "${what[@]}" > /dev/null
sqlite3 "$work/l.db" "SELECT name, pageno FROM dbstat" > "$work/dbstat"
python3 - "$work/trace" "$work/dbstat" <<'PY'
import collections, re, sys
frames = []
for line in open(sys.argv[1]):
    m = re.search(r'pwrite64\((\d+), "([^"]*)"\.*, 24,', line)
    if m:
        header = bytes.fromhex(m.group(2).replace('\\x', ''))
        frames.append(int.from_bytes(header[:4], 'big'))
owner, size = {}, collections.Counter()
for line in open(sys.argv[2]):
    name, page = line.rstrip('\n').rsplit('|', 1)
    owner[int(page)] = name
    size[name] += 1
distinct = set(frames)
pages = collections.Counter(owner.get(p, '(new or free)') for p in distinct)
written = collections.Counter(owner.get(p, '(new or free)') for p in frames)
print(f"frames written {len(frames)}, distinct pages {len(distinct)}")
print("| table or index | pages written | of its pages | frames |")
print("|---|---|---|---|")
for name, n in pages.most_common(20):
    print(f"| {name} | {n} | {size[name]} ({100 * n / max(size[name], 1):.0f}%) | {written[name]} |")
PY

#!/usr/bin/env bash
# Named-entity span F1 on CoNLL-2003 dev: onrecord beside spaCy en_core_web_sm on the same data and
# scorer (shared/eval/score_entities.py), in one run. Needs ../shared; sets up the peer venv once.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${SHARED:-../shared}
in=$shared/data/conll2003/dev.input.jsonl; gold=$shared/data/conll2003/dev.gold.jsonl
[ -f "$in" ] || { echo "SKIPPED: $in is absent"; exit 0; }
out=${BENCH_OUT:-bench-out}; mkdir -p "$out"
cargo build --release -q -p onrecord-cli
s=$(date +%s.%N); target/release/onrecord extract "$in" > "$out/onrecord.conll-dev.jsonl"; e=$(date +%s.%N)
echo "onrecord: $(wc -l < "$in") docs in $(echo "$e - $s" | bc) s (whole pipeline)"
python3 "$shared/eval/score_entities.py" "$gold" "$out/onrecord.conll-dev.jsonl" | grep -E '^(p|r|f1) '
# The learned entity tier (needs scripts/fetch-models.sh; says so and runs the rules without it).
s=$(date +%s.%N); target/release/onrecord extract --learned-entities "$in" > "$out/onrecord-learned.conll-dev.jsonl"; e=$(date +%s.%N)
echo "onrecord --learned-entities: $(wc -l < "$in") docs in $(echo "$e - $s" | bc) s (whole pipeline)"
python3 "$shared/eval/score_entities.py" "$gold" "$out/onrecord-learned.conll-dev.jsonl" | grep -E '^(p|r|f1) '
venv=$(bash benches/peers/setup.sh)
"$venv/bin/python" benches/peers/spacy_ner.py "$in" "$out/spacy.conll-dev.jsonl"
python3 "$shared/eval/score_entities.py" "$gold" "$out/spacy.conll-dev.jsonl" | grep -E '^(p|r|f1) '

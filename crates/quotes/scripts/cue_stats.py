#!/usr/bin/env python3
"""Counts cue words and source head words in PolNeAR train, to derive and check the tables in
../data/. Prints word lists and counts only (no article text).

Usage: cue_stats.py [../../../../shared/data/polnear/train.gold.jsonl] [--min 3]

For every word form it reports how often it is (part of) a gold cue and how often it occurs in
the text at all, so `ratio` estimates how reliably the word signals an attribution.
"""
import collections, json, re, sys

path = next((a for a in sys.argv[1:] if not a.startswith("--")),
            "../../../../shared/data/polnear/train.gold.jsonl")
minc = int(sys.argv[sys.argv.index("--min") + 1]) if "--min" in sys.argv else 3
WORD = re.compile(r"[A-Za-z][A-Za-z’'-]*")

cue_words, text_words, first_cue, src_heads, src_first = (collections.Counter() for _ in range(5))
for line in open(path, encoding="utf-8"):
    d = json.loads(line)
    t = d["text"]
    for w in WORD.findall(t):
        text_words[w.lower()] += 1
    for q in d["quotes"]:
        if q.get("cue"):
            ws = [w.lower() for w in WORD.findall(t[q["cue"][0]:q["cue"][1]])]
            for w in set(ws):
                cue_words[w] += 1
            if ws:
                # the reporting verb is usually the last word not a particle/preposition
                first_cue[" ".join(ws[:2]) if ws[0] == "according" else ws[-1]] += 1
        if q.get("source"):
            src = q["source"] if isinstance(q["source"][0], list) else [q["source"]]
            s = t[src[0][0]:src[0][1]]
            ws = WORD.findall(s.split(",")[0])
            if ws:
                src_heads[ws[-1] if ws[-1][0].islower() else "<Cap>"] += 1
                src_first[ws[0].lower()] += 1

print("# cue word\tin_cue\tin_text\tratio")
for w, n in cue_words.most_common():
    if n >= minc:
        print(f"{w}\t{n}\t{text_words[w]}\t{n / max(1, text_words[w]):.2f}")
print("\n# cue head\tcount")
for w, n in first_cue.most_common():
    if n >= minc:
        print(f"{w}\t{n}")
print("\n# source head word (lower-case heads; <Cap> = proper name)\tcount")
for w, n in src_heads.most_common():
    if n >= minc:
        print(f"{w}\t{n}")
print("\n# source first word\tcount")
for w, n in src_first.most_common(80):
    print(f"{w}\t{n}")

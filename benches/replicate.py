#!/usr/bin/env python3
"""Replicates articles (JSON Lines in the interchange input format) to N records with varied ids,
for ledger benchmarks at scale. Writes slices of SLICE records: OUT/slice-00.jsonl, ...

Modes:
  mixed  (default) each replica past the first is a new article made of the paragraphs of 3 source
         articles (the title paragraph of one, then the three bodies interleaved, cut at the length
         of the first), so copy
         detection sees mostly distinct articles while every sentence is real news text;
  exact  each replica is the source text unchanged under a new id (every replica is an exact copy).
Dates:
  source (default) each replica keeps its source article's publication date, so every round of
         replicas spans the sources' dates again (2005-2016 here), a stress pattern for what the
         ledger keeps in date order;
  feed   replica i is published on day i // PER_DAY after 2017-01-01 (--per-day, 1,000 by
         default), in the order a feed delivers them; the texts are recycled as in `source`.
Deterministic (seeded). Usage: replicate.py N OUTDIR [--slice 10000] [--mode mixed|exact]
[--dates source|feed] [--per-day 1000] FILE...
"""
import argparse
import datetime
import json
import os
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("files", nargs="+")
    ap.add_argument("--slice", type=int, default=10000)
    ap.add_argument("--mode", choices=["mixed", "exact"], default="mixed")
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--dates", choices=["source", "feed"], default="source")
    ap.add_argument("--per-day", type=int, default=1000)
    a = ap.parse_args()
    src = []
    for f in a.files:
        with open(f, encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if line:
                    src.append(json.loads(line))
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    paras = [[p for p in d["text"].split("\n\n") if p.strip()] for d in src]
    out = None
    for i in range(a.n):
        if i % a.slice == 0:
            if out:
                out.close()
            out = open(os.path.join(a.out, f"slice-{i // a.slice:02d}.jsonl"), "w", encoding="utf-8")
        k = i % len(src)
        rep = i // len(src)
        d = dict(src[k])
        d["id"] = f"{d['id']}~r{rep}"
        if rep > 0 and a.mode == "mixed":
            others = [rng.randrange(len(src)) for _ in range(2)]
            body = [paras[k][0]] if paras[k] else []
            rest = [paras[k][1:]] + [paras[o][1:] for o in others]
            # Interleave the three bodies paragraph by paragraph, keeping each one's order.
            # Stop at the source's length so the mix is as long as a real article.
            size, goal = sum(map(len, body)), len(d["text"])
            for j in range(max(len(r) for r in rest)):
                for r in rest:
                    if j < len(r) and size < goal:
                        body.append(r[j])
                        size += len(r[j])
            d["text"] = "\n\n".join(body)
        if a.dates == "feed":
            d["published"] = (datetime.date(2017, 1, 1) + datetime.timedelta(days=i // a.per_day)).isoformat()
        out.write(json.dumps(d, ensure_ascii=False) + "\n")
    if out:
        out.close()


if __name__ == "__main__":
    main()

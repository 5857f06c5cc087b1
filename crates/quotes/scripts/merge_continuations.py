#!/usr/bin/env python3
"""Rewrites onrecord output to PolNeAR's convention for continuation quotes, to measure what
the convention difference costs: a cue-less direct continuation ("“A,” X said. “B.”": the "B")
is merged into the attribution just before it when both have the same source and lie in the
same paragraph. onrecord itself keeps "B" separate (the seed article's gold needs that).

Usage: merge_continuations.py PRED.jsonl > MERGED.jsonl
"""
import json, sys

for line in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(line)
    t = d["text"]
    out = []
    for q in d.get("quotes", []):
        if q.get("cue") is None and q.get("kind") == "direct" and out and q.get("source") is not None:
            p = out[-1]
            pc = p["content"] if isinstance(p["content"][0], list) else [p["content"]]
            qc = q["content"] if isinstance(q["content"][0], list) else [q["content"]]
            if "\n" not in t[pc[-1][1]:qc[0][0]] and p.get("source") == q.get("source"):
                p["content"] = pc + qc
                continue
        out.append(q)
    d["quotes"] = out
    print(json.dumps(d, ensure_ascii=False))

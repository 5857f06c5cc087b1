//! Shared helpers of the behaviour tests: run the tagger over interchange JSONL and score
//! times as `shared/eval/score_times.py` does.

#![allow(dead_code)]

use std::path::PathBuf;

use onrecord_core::interchange::{to_json, OutputOptions};
use onrecord_core::text::TextLayer;
use onrecord_core::{Component, Document, Field, FieldSource};
use onrecord_time::TimeTagger;
use serde_json::Value;

/// `../shared` of the workspace, when present.
pub fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"));
    p.is_dir().then_some(p)
}

pub fn read_jsonl(path: &PathBuf) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Runs the text layer and the tagger on one input record; the interchange JSON.
pub fn tag(record: &Value) -> Value {
    let s = |k: &str| record.get(k).and_then(Value::as_str).map(str::to_string);
    let mut doc = Document::new(s("id").unwrap_or_default(), s("text").unwrap_or_default());
    doc.meta.published = s("published").map(|p| Field::new(p, FieldSource::Jsonl));
    TextLayer::new().process(&mut doc).expect("text layer");
    TimeTagger::new().process(&mut doc).expect("time tagger");
    to_json(&doc, OutputOptions::default())
}

#[derive(Debug, Clone)]
pub struct T {
    pub span: (i64, i64),
    pub value: String,
}

pub fn times(doc: &Value) -> Vec<T> {
    doc.get("times")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|t| {
                    let s = t.get("span")?.as_array()?;
                    Some(T {
                        span: (s.first()?.as_i64()?, s.get(1)?.as_i64()?),
                        value: t
                            .get("value")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .trim()
                            .to_uppercase(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn overlap(a: (i64, i64), b: (i64, i64)) -> i64 {
    (a.1.min(b.1) - a.0.max(b.0)).max(0)
}

/// One-to-one pairs over overlapping spans with the same value, taken greedily: identical
/// spans first, then the largest overlap, then document order (as score_times.py).
pub fn value_matches(gold: &[T], pred: &[T]) -> usize {
    let mut cand = Vec::new();
    for (i, g) in gold.iter().enumerate() {
        for (j, p) in pred.iter().enumerate() {
            let ov = overlap(g.span, p.span);
            if ov > 0 && g.value == p.value {
                cand.push((g.span != p.span, -ov, i, j));
            }
        }
    }
    cand.sort();
    let (mut gi, mut pj) = (vec![false; gold.len()], vec![false; pred.len()]);
    let mut n = 0;
    for (_, _, i, j) in cand {
        if !gi[i] && !pj[j] {
            gi[i] = true;
            pj[j] = true;
            n += 1;
        }
    }
    n
}

//! Runs the text and attribution layers over interchange JSONL and scores the result the way
//! `shared/eval/score_quotes.py` does: a predicted quote matches a gold one when the F1 of
//! their content characters (whitespace and quote marks ignored) is at least 0.5, greedy
//! one-to-one best first; an attribution is right when it matches and its source overlaps the
//! gold source (or both are absent).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use onrecord_core::interchange::{to_json, OutputOptions};
use onrecord_core::text::TextLayer;
use onrecord_core::{Component, Document};
use onrecord_quotes::AttributionLayer;
use serde_json::Value;

pub fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    p.is_dir().then_some(p)
}

pub fn read_jsonl(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

pub fn predict(inputs: &[Value]) -> HashMap<String, Value> {
    let (text, quotes) = (TextLayer::new(), AttributionLayer::new());
    inputs
        .iter()
        .map(|v| {
            let id = v["id"].as_str().unwrap_or_default().to_string();
            let mut doc = Document::new(id.clone(), v["text"].as_str().unwrap_or_default());
            text.process(&mut doc).expect("text layer");
            quotes.process(&mut doc).expect("quotes layer");
            (id, to_json(&doc, OutputOptions::default()))
        })
        .collect()
}

fn spans(v: &Value) -> Vec<(usize, usize)> {
    let Some(a) = v.as_array() else {
        return Vec::new();
    };
    if a.first().is_some_and(Value::is_array) {
        a.iter()
            .filter_map(|s| Some((s[0].as_u64()? as usize, s[1].as_u64()? as usize)))
            .collect()
    } else if a.len() == 2 {
        a[0].as_u64()
            .zip(a[1].as_u64())
            .map(|(x, y)| vec![(x as usize, y as usize)])
            .unwrap_or_default()
    } else {
        Vec::new()
    }
}

fn chars(sp: &[(usize, usize)], text: Option<&[char]>) -> HashSet<usize> {
    const IGNORED: &str = " \t\n\r\u{a0}\"'“”‘’«»„‚";
    sp.iter()
        .flat_map(|&(a, b)| a..b)
        .filter(|&i| text.is_none_or(|t| t.get(i).is_some_and(|c| !IGNORED.contains(*c))))
        .collect()
}

fn f1(a: &HashSet<usize>, b: &HashSet<usize>) -> f64 {
    let inter = a.intersection(b).count() as f64;
    if inter == 0.0 {
        return 0.0;
    }
    let (p, r) = (inter / b.len() as f64, inter / a.len() as f64);
    2.0 * p * r / (p + r)
}

#[derive(Debug, Default)]
pub struct Score {
    pub gold: usize,
    pub pred: usize,
    pub matched: usize,
    pub attributed: usize,
}

impl Score {
    pub fn attribution_f1(&self) -> f64 {
        let p = self.attributed as f64 / self.pred.max(1) as f64;
        let r = self.attributed as f64 / self.gold.max(1) as f64;
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

/// Scores predictions; with `required_only`, gold quotes marked `"required": false` count
/// neither way (as `--required-only`). Speakers are not compared.
pub fn score(gold: &[Value], pred: &HashMap<String, Value>, required_only: bool) -> Score {
    let mut s = Score::default();
    for g in gold {
        let text: Vec<char> = g["text"].as_str().unwrap_or_default().chars().collect();
        let all: Vec<&Value> = g["quotes"]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let optional: Vec<&Value> = all
            .iter()
            .copied()
            .filter(|q| required_only && q["required"] == Value::Bool(false))
            .collect();
        let gq: Vec<&Value> = all
            .iter()
            .copied()
            .filter(|q| !(required_only && q["required"] == Value::Bool(false)))
            .collect();
        let empty = Vec::new();
        let pq = pred
            .get(g["id"].as_str().unwrap_or_default())
            .and_then(|p| p["quotes"].as_array())
            .unwrap_or(&empty);
        let gc: Vec<_> = gq
            .iter()
            .map(|q| chars(&spans(&q["content"]), Some(&text)))
            .collect();
        let pc: Vec<_> = pq
            .iter()
            .map(|q| chars(&spans(&q["content"]), Some(&text)))
            .collect();
        let mut pairs = Vec::new();
        for (i, a) in gc.iter().enumerate() {
            for (j, b) in pc.iter().enumerate() {
                pairs.push((f1(a, b), i, j));
            }
        }
        pairs.sort_by(|x, y| y.partial_cmp(x).unwrap_or(std::cmp::Ordering::Equal));
        let (mut gu, mut pu) = (HashSet::new(), HashSet::new());
        for (sc, i, j) in pairs {
            if sc < 0.5 {
                break;
            }
            if gu.contains(&i) || pu.contains(&j) {
                continue;
            }
            gu.insert(i);
            pu.insert(j);
            s.matched += 1;
            let (gs, ps) = (
                chars(&spans(&gq[i]["source"]), None),
                chars(&spans(&pq[j]["source"]), None),
            );
            if (gs.is_empty() && ps.is_empty()) || gs.intersection(&ps).next().is_some() {
                s.attributed += 1;
            }
        }
        let oc: Vec<_> = optional
            .iter()
            .map(|q| chars(&spans(&q["content"]), Some(&text)))
            .collect();
        let ignored = (0..pq.len())
            .filter(|j| !pu.contains(j) && oc.iter().any(|o| f1(o, &pc[*j]) >= 0.5))
            .count();
        s.gold += gq.len();
        s.pred += pq.len() - ignored;
    }
    s
}

//! Main-text extraction on the Zyte article-extraction benchmark (181 pages), scored with a
//! Rust port of `shared/eval/score_extraction.py`. Skipped when `../shared` is absent.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

fn shared() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"))
}

/// `\w+` tokens (Python `re` with Unicode: letters, digits and underscore).
fn tokens(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|t| !t.is_empty()).collect()
}

/// The multiset of 4-token shingles; fewer than 4 tokens give one shorter shingle.
fn shingles(text: &str) -> HashMap<Vec<&str>, usize> {
    let t = tokens(text);
    let mut m = HashMap::new();
    if t.is_empty() {
        return m;
    }
    if t.len() < 4 {
        *m.entry(t).or_insert(0) += 1;
        return m;
    }
    for w in t.windows(4) {
        *m.entry(w.to_vec()).or_insert(0) += 1;
    }
    m
}

/// Per-page (tp, fp, fn), normalised so that each page weighs the same.
fn page_counts(gold: &str, pred: &str) -> (f64, f64, f64) {
    let (g, p) = (shingles(gold), shingles(pred));
    let (mut tp, mut fp, mut fn_) = (0.0, 0.0, 0.0);
    for k in g.keys().chain(p.keys().filter(|k| !g.contains_key(*k))) {
        let gc = *g.get(k).unwrap_or(&0) as f64;
        let pc = *p.get(k).unwrap_or(&0) as f64;
        tp += gc.min(pc);
        fp += (pc - gc).max(0.0);
        fn_ += (gc - pc).max(0.0);
    }
    let s = tp + fp + fn_;
    if s > 0.0 {
        (tp / s, fp / s, fn_ / s)
    } else {
        (0.0, 0.0, 0.0)
    }
}

fn prec((tp, fp, fn_): (f64, f64, f64)) -> f64 {
    if fp == 0.0 && fn_ == 0.0 {
        1.0
    } else if tp == 0.0 && fp == 0.0 {
        0.0
    } else {
        tp / (tp + fp)
    }
}

fn rec((tp, fp, fn_): (f64, f64, f64)) -> f64 {
    if fp == 0.0 && fn_ == 0.0 {
        1.0
    } else if tp == 0.0 && fn_ == 0.0 {
        0.0
    } else {
        tp / (tp + fn_)
    }
}

fn mean(v: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 {
        0.0
    } else {
        s / n as f64
    }
}

/// (precision, recall, F1) the benchmark's way: means of per-page precision and recall.
fn aggregate(c: &[(f64, f64, f64)]) -> (f64, f64, f64) {
    let p = mean(c.iter().filter(|x| x.0 + x.1 > 0.0).map(|&x| prec(x)));
    let r = mean(c.iter().filter(|x| x.0 + x.2 > 0.0).map(|&x| rec(x)));
    let f = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
    (p, r, f)
}

#[test]
fn scorer_matches_the_recipe() {
    assert_eq!(page_counts("a b c d e", "a b c d e"), (1.0, 0.0, 0.0));
    let c = page_counts("one two three four five", "one two three four");
    // gold shingles {1234, 2345}, pred {1234}: tp 1, fn 1.
    assert_eq!(c, (0.5, 0.0, 0.5));
    assert_eq!(prec(c), 1.0);
    assert_eq!(rec(c), 0.5);
    assert_eq!(page_counts("", ""), (0.0, 0.0, 0.0));
    assert_eq!(tokens("Don't stop_now, 2.5%"), vec!["Don", "t", "stop_now", "2", "5"]);
}

#[test]
fn zyte_main_text_f1() {
    let dir = shared().join("data/html-extraction/zyte");
    let gold_path = dir.join("ground-truth.json");
    let Ok(gold_src) = std::fs::read_to_string(&gold_path) else {
        println!("SKIPPED: {} not found (the shared data set is not available here)", gold_path.display());
        return;
    };
    let gold: HashMap<String, serde_json::Value> = serde_json::from_str(&gold_src).expect("ground-truth.json parses");
    let start = Instant::now();
    let mut pred: HashMap<String, String> = HashMap::new();
    let mut errors = 0;
    for d in onrecord_ingest::read_all(&[dir.join("html")]) {
        match d {
            Ok(d) => {
                pred.insert(d.id, d.text);
            }
            Err(e) => {
                errors += 1;
                println!("error: {e}");
            }
        }
    }
    let elapsed = start.elapsed();
    let mut keys: Vec<&String> = gold.keys().collect();
    keys.sort();
    let counts: Vec<_> = keys
        .iter()
        .map(|k| {
            let g = gold[*k].get("articleBody").and_then(|v| v.as_str()).unwrap_or("");
            page_counts(g, pred.get(*k).map(String::as_str).unwrap_or(""))
        })
        .collect();
    let missing = keys.iter().filter(|k| !pred.contains_key(**k)).count();
    let (p, r, f) = aggregate(&counts);
    println!(
        "zyte: pages {} missing {missing} errors {errors} precision {p:.4} recall {r:.4} F1 {f:.4} ({:.1} ms/page, debug builds are slower)",
        keys.len(),
        elapsed.as_secs_f64() * 1000.0 / keys.len() as f64
    );
    assert!(f >= 0.94, "Zyte main-text F1 {f:.4} is below 0.94");
}

//! MEANTIME dev (first sentences of 120 Wikinews articles): value F1 must stay near the figure
//! measured when the tagger was last tuned. Skips when `../shared` is absent.

mod common;

use common::*;

/// Value F1 measured on MEANTIME dev (also `score_times.py`'s `value_f1`).
const EXPECTED_VALUE_F1: f64 = 0.861;

#[test]
fn meantime_dev_value_f1() {
    let Some(shared) = shared() else {
        println!("SKIP meantime_dev_value_f1: ../shared not found (MEANTIME is not shipped with the repo)");
        return;
    };
    let dir = shared.join("data/meantime");
    let inputs = read_jsonl(&dir.join("dev.input.jsonl"));
    let golds = read_jsonl(&dir.join("dev.gold.jsonl"));
    if inputs.is_empty() || golds.is_empty() {
        println!(
            "SKIP meantime_dev_value_f1: MEANTIME dev files missing under {}",
            dir.display()
        );
        return;
    }
    let (mut tp, mut npred, mut ngold) = (0usize, 0usize, 0usize);
    for gold in &golds {
        let id = gold.get("id");
        let Some(input) = inputs.iter().find(|r| r.get("id") == id) else {
            continue;
        };
        let (g, p) = (times(gold), times(&tag(input)));
        tp += value_matches(&g, &p);
        npred += p.len();
        ngold += g.len();
    }
    let p = tp as f64 / npred.max(1) as f64;
    let r = tp as f64 / ngold.max(1) as f64;
    let f1 = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    println!("MEANTIME dev: gold {ngold}, predicted {npred}, value P {p:.3} R {r:.3} F1 {f1:.3}");
    assert!(
        (f1 - EXPECTED_VALUE_F1).abs() <= 0.02,
        "value F1 {f1:.3} moved more than 0.02 from {EXPECTED_VALUE_F1} (update the figure if it improved)"
    );
}

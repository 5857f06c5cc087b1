//! Attribution F1 on PolNeAR dev must not fall more than 0.02 below the recorded figure.

mod common;

/// Measured with `score_quotes.py` on the output of `examples/quotes_jsonl.rs`.
const RECORDED_ATTRIBUTION_F1: f64 = 0.602;

#[test]
fn polnear_dev_attribution_f1() {
    let Some(shared) = common::shared() else {
        eprintln!("SKIPPED: ../shared is absent; PolNeAR dev cannot be scored");
        return;
    };
    let dir = shared.join("data/polnear");
    let input = common::read_jsonl(&dir.join("dev.input.jsonl"));
    let gold = common::read_jsonl(&dir.join("dev.gold.jsonl"));
    if input.is_empty() || gold.is_empty() {
        eprintln!("SKIPPED: PolNeAR dev files missing under {}", dir.display());
        return;
    }
    let pred = common::predict(&input);
    let s = common::score(&gold, &pred, false);
    let f1 = s.attribution_f1();
    eprintln!("PolNeAR dev: {s:?} attribution F1 {f1:.3}");
    assert!(
        f1 >= RECORDED_ATTRIBUTION_F1 - 0.02,
        "attribution F1 {f1:.3} fell below {RECORDED_ATTRIBUTION_F1} - 0.02"
    );
}

//! The founding article: every required attribution is found (speakers need the entity layer
//! and are not checked here).

mod common;

#[test]
fn seed_required_attributions_matched() {
    let Some(shared) = common::shared() else {
        eprintln!("SKIPPED: ../shared is absent; the seed article cannot be scored");
        return;
    };
    let dir = shared.join("corpus/seed");
    let input = common::read_jsonl(&dir.join("kremlin-call.input.jsonl"));
    let gold = common::read_jsonl(&dir.join("kremlin-call.gold.jsonl"));
    if input.is_empty() || gold.is_empty() {
        eprintln!("SKIPPED: seed files missing under {}", dir.display());
        return;
    }
    let pred = common::predict(&input);
    let s = common::score(&gold, &pred, true);
    eprintln!("seed: {s:?} attribution F1 {:.3}", s.attribution_f1());
    assert_eq!(s.matched, s.gold, "every required attribution matched");
    assert!(
        s.attribution_f1() >= 0.85,
        "attribution F1 {:.3}",
        s.attribution_f1()
    );
}

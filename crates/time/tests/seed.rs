//! The founding article: every required gold time must come out with the gold value and mod.
//! Reads the gold file, so no word of the article is written here. Skips without `../shared`.

mod common;

use common::*;
use serde_json::Value;

#[test]
fn seed_required_times_are_right() {
    let Some(shared) = shared() else {
        println!("SKIP seed_required_times_are_right: ../shared not found");
        return;
    };
    let dir = shared.join("corpus/seed");
    let inputs = read_jsonl(&dir.join("kremlin-call.input.jsonl"));
    let gold: Value = match std::fs::read_to_string(dir.join("kremlin-call.gold.json"))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
    {
        Some(g) => g,
        None => {
            println!("SKIP seed_required_times_are_right: seed gold missing");
            return;
        }
    };
    let Some(input) = inputs.first() else {
        println!("SKIP seed_required_times_are_right: seed input missing");
        return;
    };
    let out = tag(input);
    let pred = out
        .get("times")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let required: Vec<&Value> = gold
        .get("times")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter(|t| t.get("required") != Some(&Value::Bool(false)))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        required.len() >= 4,
        "expected the seed gold to hold at least four required times"
    );
    for g in required {
        let gs = g
            .get("span")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let (a, b) = (gs[0].as_i64().unwrap_or(-1), gs[1].as_i64().unwrap_or(-1));
        let hit = pred.iter().find(|p| {
            let ps = p
                .get("span")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let (c, d) = (ps[0].as_i64().unwrap_or(-1), ps[1].as_i64().unwrap_or(-1));
            c < b && a < d
        });
        let hit = hit.unwrap_or_else(|| panic!("no time found for gold {g}"));
        assert_eq!(hit.get("value"), g.get("value"), "value of {g}: got {hit}");
        assert_eq!(hit.get("mod"), g.get("mod"), "mod of {g}: got {hit}");
        assert_eq!(hit.get("type"), g.get("type"), "type of {g}: got {hit}");
    }
}

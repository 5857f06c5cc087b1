//! Behaviour tests of the name recogniser on shared data (skipped when `../shared` is absent):
//! CoNLL-2003 dev span F1, scored like `shared/eval/score_entities.py` (exact span and class,
//! types mapped PERSON->PER, GPE/LOC->LOC, NORP/EVENT/MISC->MISC), and the founding article's
//! gold names.

use std::collections::HashMap;

use onrecord_core::text::TextLayer;
use onrecord_core::{Component, Document};
use onrecord_entities::recognize::train::{class_of, class_of_name, evaluate, load};
use onrecord_entities::recognize::Recognizer;

fn shared() -> Option<String> {
    let p = format!("{}/../../../shared", env!("CARGO_MANIFEST_DIR"));
    if std::path::Path::new(&p).exists() {
        Some(p)
    } else {
        println!("SKIPPED: {p} is absent (shared data is not part of the repository)");
        None
    }
}

/// Measured when the model was trained: CoNLL-2003 dev micro F1 0.913 (python scorer).
const DEV_F1: f64 = 0.913;

#[test]
fn conll_dev_f1() {
    let Some(sh) = shared() else { return };
    let prefix = format!("{sh}/data/conll2003/dev");
    if !std::path::Path::new(&format!("{prefix}.gold.jsonl")).exists() {
        println!("SKIPPED: {prefix}.gold.jsonl is absent");
        return;
    }
    let dev = load(&prefix).expect("dev data loads");
    let rec = Recognizer::load_default();
    assert!(rec.has_model(), "the built-in model is missing: run train-ner (see README of the crate)");
    let score = evaluate(&rec, &dev);
    println!("CoNLL-2003 dev: {}", score.report());
    let (_, _, f1) = score.prf();
    assert!(f1 >= DEV_F1 - 0.02, "dev F1 {f1:.4} fell below {:.4}", DEV_F1 - 0.02);
}

#[test]
fn seed_article_names_are_found_with_their_types() {
    let Some(sh) = shared() else { return };
    let dir = format!("{sh}/corpus/seed");
    let (Ok(text), Ok(gold)) =
        (std::fs::read_to_string(format!("{dir}/kremlin-call.txt")), std::fs::read_to_string(format!("{dir}/kremlin-call.gold.json")))
    else {
        println!("SKIPPED: seed article absent");
        return;
    };
    let gold: serde_json::Value = serde_json::from_str(&gold).expect("gold JSON");
    let mut doc = Document::new("seed", text);
    TextLayer::new().process(&mut doc).unwrap();
    let found = Recognizer::load_default().recognize(&doc);
    let mut by_text: HashMap<&str, Vec<usize>> = HashMap::new();
    for m in &found {
        by_text.entry(doc.slice(m.span)).or_default().push(class_of(m.kind));
    }
    let mut missing = Vec::new();
    for e in gold["entities"].as_array().into_iter().flatten() {
        let class = class_of_name(e["type"].as_str().unwrap_or(""));
        // Each gold entity must be found under one of its proper-name aliases, with its class.
        let names: Vec<&str> = std::iter::once(&e["name"])
            .chain(e["aliases"].as_array().into_iter().flatten())
            .filter_map(|v| v.as_str())
            .filter(|n| n.chars().next().is_some_and(char::is_uppercase))
            .collect();
        if !names.iter().any(|n| by_text.get(n).is_some_and(|cs| cs.contains(&class))) {
            missing.push(format!("{names:?} as {}", e["type"]));
        }
        // ... and never with another class ("Trump" is always a person).
        for n in &names {
            if by_text.get(n).is_some_and(|cs| cs.iter().any(|&c| c != class)) {
                missing.push(format!("{n} typed other than {}", e["type"]));
            }
        }
    }
    assert!(missing.is_empty(), "not found: {missing:?}\nfound: {by_text:?}");
    // No sentence-initial common word becomes a name.
    for m in &found {
        let w = doc.slice(m.span);
        assert!(!["Asked", "But", "As", "It", "He", "On", "Last", "Some", "Now"].contains(&w), "{w} tagged as a name");
    }
}

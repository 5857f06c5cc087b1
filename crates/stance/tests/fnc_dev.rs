//! Scores the committed model on our FNC-1 dev split (bodies with
//! fnv1a64("onrecord-stance:" + id) % 100 < 15). Needs ../shared (skips otherwise); uses MiniLM
//! when fetched, else checks the lexical-only fallback against its own figure.

use std::path::PathBuf;

use onrecord_embed::{default_model_dir, model_present, Encoder};
use onrecord_stance::eval::{load_fnc, score, split_of, Split};
use onrecord_stance::{Classifier, EmbedCache, Model, Stance};

/// Dev figures recorded in BENCHMARKS.md by train-stance (macro-F1).
const FULL_MACRO_F1: f64 = 0.7646;
const LEXICAL_MACRO_F1: f64 = 0.6842;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(full: bool) {
    let data = root().join("../shared/data/stance");
    if !data.join("fnc1-train.jsonl").is_file() {
        eprintln!("SKIP: {} absent (shared data not available)", data.display());
        return;
    }
    let (pairs, bodies) = load_fnc(&data.join("fnc1-train.jsonl"), &data.join("fnc1-train-bodies.jsonl")).unwrap();
    let dev: Vec<_> = pairs.iter().filter(|p| split_of(&p.body_id) == Split::Dev && bodies.contains_key(&p.body_id)).collect();
    assert!(dev.len() > 5000, "dev split has {} pairs", dev.len());
    let model = Model::builtin().unwrap();
    let (clf, want) = if full {
        let dir = default_model_dir();
        if !model_present(&dir) {
            eprintln!("SKIP: no MiniLM model in {} (run scripts/fetch-models.sh)", dir.display());
            return;
        }
        let cache = EmbedCache::open(root().join("target/stance-cache/minilm.bin")).unwrap();
        (Classifier::new(model, Some(Encoder::load(&dir).unwrap())).with_cache(cache), FULL_MACRO_F1)
    } else {
        (Classifier::lexical(model), LEXICAL_MACRO_F1)
    };
    let input: Vec<(&str, &str)> = dev.iter().map(|p| (p.claim.as_str(), bodies[&p.body_id].as_str())).collect();
    let pred = clf.classify(&input).unwrap();
    let gold: Vec<Stance> = dev.iter().map(|p| p.stance).collect();
    let s = score(&gold, &pred);
    eprintln!(
        "FNC-1 dev ({} pairs, {}): fnc {:.4} macro-F1 {:.4} disagree F1 {:.4}",
        dev.len(),
        if full { "MiniLM" } else { "lexical" },
        s.fnc_relative(),
        s.macro_f1,
        s.f1[Stance::Disagree.index()]
    );
    assert!(s.macro_f1 >= want - 0.02, "macro-F1 {:.4} fell below the recorded {want:.4}", s.macro_f1);
}

#[test]
fn fnc_dev_full() {
    run(true);
}

#[test]
fn fnc_dev_lexical() {
    run(false);
}

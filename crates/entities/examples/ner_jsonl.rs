//! Runs the text layer and the name recogniser over a JSONL file of `{"id", "text"}` records and
//! prints `{"id", "entities": [{"type", "mentions": [[s, e]]}]}` per line (code point offsets):
//! `cargo run --release -p onrecord-entities --example ner_jsonl -- INPUT.jsonl > PRED.jsonl`.

use std::io::{BufRead, Write};
use std::time::Instant;

use onrecord_core::text::TextLayer;
use onrecord_core::{Component, Document};
use onrecord_entities::recognize::{train::prediction_json, Recognizer};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: ner_jsonl INPUT.jsonl");
        std::process::exit(2);
    };
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let rec = Recognizer::load_default();
    let layer = TextLayer::new();
    let mut docs = Vec::new();
    for line in std::io::BufReader::new(file).lines().map_while(Result::ok) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
        let mut doc = Document::new(v["id"].as_str().unwrap_or_default(), v["text"].as_str().unwrap_or_default());
        if layer.process(&mut doc).is_ok() {
            docs.push(doc);
        }
    }
    let t0 = Instant::now();
    let found: Vec<_> = docs.iter().map(|d| rec.recognize(d)).collect();
    let secs = t0.elapsed().as_secs_f64();
    let ntok: usize = docs.iter().map(|d| d.tokens.len()).sum();
    let mut out = std::io::stdout().lock();
    for (d, m) in docs.iter().zip(&found) {
        let _ = writeln!(out, "{}", prediction_json(d, m));
    }
    eprintln!(
        "{} documents, {ntok} tokens tagged in {secs:.3}s ({:.0} tokens/s, one thread)",
        docs.len(),
        ntok as f64 / secs.max(1e-9)
    );
}

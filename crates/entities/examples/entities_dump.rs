//! Prints the entities of the documents of a JSONL file (`text` field): a look at the layer.
//! Usage: cargo run --release -p onrecord-entities --example entities_dump -- FILE.jsonl [N]
use onrecord_core::text::TextLayer;
use onrecord_core::{Component, Document, MentionKind};
use onrecord_entities::EntityLayer;
use std::io::BufRead;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else { return eprintln!("usage: entities_dump FILE.jsonl [N]") };
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let layer = EntityLayer::new();
    let Ok(f) = std::fs::File::open(path) else { return eprintln!("cannot open {path}") };
    for line in std::io::BufReader::new(f).lines().map_while(Result::ok).take(n) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
        let mut doc = Document::new(v["id"].as_str().unwrap_or(""), v["text"].as_str().unwrap_or(""));
        if TextLayer::new().process(&mut doc).and_then(|_| layer.process(&mut doc)).is_err() {
            continue;
        }
        println!("== {}", doc.id);
        for e in &doc.entities {
            let ms: Vec<String> = e
                .mentions
                .iter()
                .filter(|m| m.kind != MentionKind::Name)
                .map(|m| {
                    let s = doc.sentence_at(m.span.start).unwrap_or(0);
                    format!("{}@s{}", doc.slice(m.span), s)
                })
                .collect();
            let rs: Vec<&str> = e.roles.iter().map(|r| doc.slice(r.span)).collect();
            let names = e.mentions.iter().filter(|m| m.kind == MentionKind::Name).count();
            println!("{:?} {:?} names={} roles={:?} refs={:?}", doc.slice(e.name), e.kind, names, rs, ms);
        }
    }
}

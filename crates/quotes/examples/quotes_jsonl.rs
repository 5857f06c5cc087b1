//! Reads interchange JSONL (id, text), runs the text layer and the attribution layer, prints
//! the output JSON per line. For fast iteration on PolNeAR without the full pipeline:
//! `cargo run --release -p onrecord-quotes --example quotes_jsonl -- FILE.jsonl > PRED.jsonl`

use std::io::{BufRead, Write};

use onrecord_core::interchange::{to_json, OutputOptions};
use onrecord_core::text::TextLayer;
use onrecord_core::{Component, Document};
use onrecord_quotes::AttributionLayer;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: quotes_jsonl FILE.jsonl")?;
    let f = std::io::BufReader::new(std::fs::File::open(path)?);
    let text = TextLayer::new();
    let quotes = AttributionLayer::new();
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    let t0 = std::time::Instant::now();
    let mut n = 0;
    for line in f.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(&line)?;
        let id = v["id"].as_str().unwrap_or_default();
        let mut doc = Document::new(id, v["text"].as_str().unwrap_or_default());
        text.process(&mut doc)?;
        quotes.process(&mut doc)?;
        writeln!(out, "{}", to_json(&doc, OutputOptions::default()))?;
        n += 1;
    }
    eprintln!("{n} documents in {:.2?}", t0.elapsed());
    Ok(())
}

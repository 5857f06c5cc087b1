//! Reads interchange input JSONL (id, text, published), runs the text layer and the time
//! tagger, and prints one interchange JSON object per line.
//!
//! `cargo run --release -p onrecord-time --example tag_jsonl -- FILE > out.jsonl`

use std::io::{BufRead, BufReader, Write};

use onrecord_core::interchange::{to_json, OutputOptions};
use onrecord_core::text::TextLayer;
use onrecord_core::{Component, Document, Field, FieldSource};
use onrecord_time::TimeTagger;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: tag_jsonl FILE.jsonl")?;
    let reader = BufReader::new(std::fs::File::open(&path)?);
    let (text_layer, tagger) = (TextLayer::new(), TimeTagger::new());
    let mut out = std::io::stdout().lock();
    for line in reader.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(&line)?;
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        let mut doc = Document::new(s("id").unwrap_or_default(), s("text").unwrap_or_default());
        doc.meta.published = s("published").map(|p| Field::new(p, FieldSource::Jsonl));
        text_layer.process(&mut doc)?;
        tagger.process(&mut doc)?;
        writeln!(out, "{}", to_json(&doc, OutputOptions::default()))?;
    }
    Ok(())
}

//! Per-component time of the default pipeline over a JSON Lines file, single-threaded.
//! `cargo run --release -p onrecord --example profile -- ../shared/data/polnear/train.input.jsonl`

use std::time::Duration;

fn main() {
    let path = std::env::args().nth(1).expect("usage: profile FILE.jsonl");
    let text = std::fs::read_to_string(&path).expect("readable file");
    let docs: Vec<onrecord::Document> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| {
            let mut d = onrecord::Document::new(v["id"].as_str().unwrap_or(""), v["text"].as_str().unwrap_or(""));
            if let Some(p) = v["published"].as_str() {
                d.meta.published = Some(onrecord::Field::new(p, onrecord::FieldSource::Jsonl));
            }
            d
        })
        .collect();
    let load = std::time::Instant::now();
    let p = onrecord::default_pipeline();
    println!("pipeline load: {:.1} ms", load.elapsed().as_secs_f64() * 1e3);
    let names = p.names();
    let mut spent = vec![Duration::ZERO; names.len()];
    let bytes: usize = docs.iter().map(|d| d.text.len()).sum();
    let t = std::time::Instant::now();
    for mut d in docs.iter().cloned() {
        p.run_timed(&mut d, &mut spent).expect("pipeline");
    }
    let total = t.elapsed().as_secs_f64();
    println!("{} docs, {:.1} MB: {:.0} docs/s, {:.2} MB/s on one thread", docs.len(), bytes as f64 / 1e6, docs.len() as f64 / total, bytes as f64 / 1e6 / total);
    for (n, s) in names.iter().zip(&spent) {
        println!("  {n:<10} {:>8.1} ms  {:>5.1}%", s.as_secs_f64() * 1e3, 100.0 * s.as_secs_f64() / total);
    }
}

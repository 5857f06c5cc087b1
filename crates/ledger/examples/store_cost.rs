//! The ledger's writing cost, apart from analysis: analyses the first N articles of a JSON Lines
//! file (`{"id","text"}` per line; not timed), then stores them in a new ledger without linking,
//! and prints rows written, wall seconds and the process CPU seconds of the store (rayon on one
//! thread, so the writer is the only work), which depends little on the machine's load.
//!
//! `cargo run --release -p onrecord-ledger --example store_cost -- FILE.jsonl [N=2000] [DB]`

use std::io::BufRead;
use std::time::Instant;

use onrecord_core::Document;
use onrecord_ledger::{IngestOptions, Ledger, LexicalEncoder};

/// User + system CPU seconds of this process, from /proc (0 where absent).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = 100.0;
    let get = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (get(11) + get(12)) / tick
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args.first().ok_or("usage: store_cost FILE.jsonl [N] [DB]")?;
    let n: usize = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(2000);
    let db = args.get(2).cloned().unwrap_or_else(|| "store_cost.db".into());
    let mut docs = vec![];
    for line in std::io::BufReader::new(std::fs::File::open(path)?).lines().take(n) {
        let v: serde_json::Value = serde_json::from_str(&line?)?;
        let (Some(id), Some(text)) = (v["id"].as_str(), v["text"].as_str()) else { continue };
        docs.push(Document::new(id, text));
    }
    let pipe = onrecord::default_pipeline();
    for d in &mut docs {
        pipe.run(d)?;
    }
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{db}{ext}"));
    }
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let mut ledger = Ledger::open(std::path::Path::new(&db))?;
    let opts = IngestOptions { link: false, ..Default::default() };
    let (cpu0, t0) = (cpu_seconds(), Instant::now());
    let s = pool.install(|| ledger.ingest(docs.into_iter().map(Ok), &|_d: &mut Document| Ok(()), &opts, &LexicalEncoder, &mut |_| {}))?;
    let (cpu, wall) = (cpu_seconds() - cpu0, t0.elapsed().as_secs_f64());
    let rows: i64 = ledger.counts()?.iter().map(|(_, c)| c).sum();
    let sentences: i64 = ledger.conn().query_row("SELECT count(*) FROM sentences", [], |r| r.get(0))?;
    let rows = rows + sentences;
    println!("articles {}, rows {rows} ({:.0}/article), {wall:.2} s wall, store {:.2} s, {:.2} s CPU (with preparing), {:.3} ms CPU/article, {:.0} rows per CPU second",
        s.ingested, rows as f64 / s.ingested.max(1) as f64, s.store_seconds, cpu, 1000.0 * cpu / s.ingested.max(1) as f64, rows as f64 / cpu.max(1e-9));
    for (t, c) in ledger.counts()? {
        print!("{t} {c}  ");
    }
    println!();
    Ok(())
}

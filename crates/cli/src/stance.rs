//! `onrecord stance`: classify {"id","claim","text"} pairs as agree | disagree | discuss |
//! unrelated, writing {"id","stance"} per line (scorable with shared/eval/score_stance.py).

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use onrecord_stance::{Classifier, EmbedCache, Model};

/// Pairs classified together: texts shared by several claims are embedded once per batch.
const BATCH: usize = 4096;

/// Classify the stance of each text toward its claim (FNC-1 labels).
///
/// Input: JSON Lines with "id", "claim" and "text" (or "-" for standard input). Uses the MiniLM
/// features when the model is fetched (scripts/fetch-models.sh), else the lexical-only head.
#[derive(clap::Args)]
pub struct Args {
    /// A JSONL file of pairs, or `-`.
    input: PathBuf,
    /// Use the lexical-only classifier even when the MiniLM model is present.
    #[arg(long)]
    lexical: bool,
    /// Keep sentence embeddings in this file across runs.
    #[arg(long)]
    cache: Option<PathBuf>,
}

fn field(v: &serde_json::Value, k: &str) -> String {
    match v.get(k) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut clf = if args.lexical {
        Classifier::lexical(Model::builtin()?)
    } else {
        Classifier::load_default()?
    };
    if let Some(p) = &args.cache {
        clf = clf.with_cache(EmbedCache::open(p)?);
    }
    let reader: Box<dyn BufRead> = if args.input.as_os_str() == "-" {
        Box::new(BufReader::new(std::io::stdin()))
    } else {
        let f = std::fs::File::open(&args.input).with_context(|| format!("opening {}", args.input.display()))?;
        Box::new(BufReader::new(f))
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut bad = 0usize;
    let mut batch: Vec<(String, String, String)> = Vec::new();
    let flush = |batch: &mut Vec<(String, String, String)>, out: &mut dyn Write| -> anyhow::Result<()> {
        let pairs: Vec<(&str, &str)> = batch.iter().map(|(_, c, t)| (c.as_str(), t.as_str())).collect();
        let labels = clf.classify(&pairs)?;
        for ((id, _, _), s) in batch.iter().zip(labels) {
            writeln!(out, "{}", serde_json::json!({"id": id, "stance": s.as_str()}))?;
        }
        batch.clear();
        Ok(())
    };
    for (n, line) in reader.lines().enumerate() {
        let line = line.context("reading input")?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<serde_json::Value>(&line) {
            Ok(v) => batch.push((field(&v, "id"), field(&v, "claim"), field(&v, "text"))),
            Err(e) => {
                bad += 1;
                eprintln!("error: line {}: not JSON: {e}", n + 1);
            }
        }
        if batch.len() == BATCH {
            flush(&mut batch, &mut out)?;
        }
    }
    flush(&mut batch, &mut out)?;
    out.flush()?;
    Ok(if bad > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

//! `onrecord extract`: ingest -> pipeline -> interchange JSON, in parallel, order kept.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use onrecord::interchange::{to_json, OutputOptions};
use onrecord::Document;
use rayon::prelude::*;

use crate::OutputFormat;

/// Documents analysed together; bounds memory while keeping both cores busy.
const BATCH: usize = 64;

/// Analyse articles and print one JSON object per document (or a readable view).
///
/// Inputs: text files, JSON Lines, HTML pages, WARC files, RSS/Atom feeds, directories of them,
/// `.gz` of any, or `-` for standard input (the default). A document that fails is reported on
/// stderr with its id and reason; the others are still printed, and the exit code is 1.
#[derive(clap::Args)]
pub struct Args {
    /// Files, directories or `-`.
    inputs: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "jsonl")]
    format: OutputFormat,
    /// Include the token and quote-mark layers in JSON output.
    #[arg(long)]
    tokens: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Args { inputs, format, tokens, threads } = args;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .context("starting worker threads")?;
    let inputs = if inputs.is_empty() { vec![PathBuf::from("-")] } else { inputs };
    let pipeline = onrecord::default_pipeline();
    let opts = OutputOptions { tokens };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut failed = 0usize;
    let mut batch: Vec<Document> = Vec::with_capacity(BATCH);
    let mut docs = onrecord_ingest::read_all(&inputs).peekable();
    while docs.peek().is_some() {
        batch.clear();
        for item in docs.by_ref() {
            match item {
                Ok(d) => batch.push(d),
                Err(e) => {
                    failed += 1;
                    eprintln!("error: {}: {e}", e.id.as_deref().unwrap_or("?"));
                }
            }
            if batch.len() == BATCH {
                break;
            }
        }
        let rendered: Vec<Result<String, String>> = pool.install(|| {
            batch
                .par_iter_mut()
                .map(|doc| {
                    pipeline.run(doc).map_err(|e| format!("error: {}: {e}", doc.id))?;
                    Ok(match format {
                        OutputFormat::Jsonl => to_json(doc, opts).to_string(),
                        OutputFormat::Pretty => crate::pretty::render(doc),
                    })
                })
                .collect()
        });
        for r in rendered {
            match r {
                Ok(s) => writeln!(out, "{s}").context("writing output")?,
                Err(msg) => {
                    failed += 1;
                    eprintln!("{msg}");
                }
            }
        }
    }
    out.flush().context("writing output")?;
    if failed > 0 {
        eprintln!("onrecord: {failed} document(s) failed");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

//! `onrecord extract`: ingest -> pipeline -> interchange JSON, in parallel, order kept.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use onrecord::interchange::{write_json, OutputOptions};
use onrecord_ingest::Pending;

use crate::OutputFormat;

/// Documents read ahead of the one being written: enough to keep every core busy while one
/// long article holds up the output, few enough to bound memory.
const WINDOW: usize = 64;

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
    #[command(flatten)]
    learned: crate::learned::LearnedArgs,
    /// How a cue-less continuation quote ("“A,” X said. “B.”") is recorded: as its own
    /// attribution by the same speaker, or merged into the one before it (PolNeAR's convention).
    #[arg(long, value_enum, default_value = "separate")]
    continuations: ContinuationsArg,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ContinuationsArg {
    Separate,
    Merge,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Args { inputs, format, tokens, threads, learned, continuations } = args;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .context("starting worker threads")?;
    let inputs = if inputs.is_empty() { vec![PathBuf::from("-")] } else { inputs };
    let continuations = match continuations {
        ContinuationsArg::Separate => onrecord::Continuations::Separate,
        ContinuationsArg::Merge => onrecord::Continuations::Merge,
    };
    let mut pipeline = onrecord::pipeline(&onrecord::Options { continuations });
    learned.apply(&mut pipeline)?;
    let opts = OutputOptions { tokens };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut failed = 0usize;
    // HTML pages come unparsed: parsing them is as costly as analysing them, so it runs in the
    // parallel stage with the analysis; results and errors still come out in input order.
    let items = onrecord_ingest::read_all_pending(&inputs);
    let pipeline = &pipeline;
    let analyse = |item: Pending| -> Result<Vec<u8>, String> {
        let mut doc = item.finish().map_err(|e| format!("error: {}: {e}", e.id.as_deref().unwrap_or("?")))?;
        pipeline.run(&mut doc).map_err(|e| format!("error: {}: {e}", doc.id))?;
        Ok(match format {
            // Serialised straight from the document (no intermediate JSON value).
            OutputFormat::Jsonl => {
                let mut buf = Vec::with_capacity(4 * doc.text.len() + 1024);
                write_json(&doc, opts, &mut buf).map_err(|e| format!("error: {}: {e}", doc.id))?;
                buf
            }
            OutputFormat::Pretty => crate::pretty::render(&doc).into_bytes(),
        })
    };
    let mut n = 0usize;
    crate::ordered::for_each_ordered(&pool, items, WINDOW.max(4 * pool.current_num_threads()), analyse, |r| {
        n += 1;
        match r {
            Ok(Ok(s)) => {
                out.write_all(&s).context("writing output")?;
                out.write_all(b"\n").context("writing output")?;
            }
            Ok(Err(msg)) => {
                failed += 1;
                eprintln!("{msg}");
            }
            Err(panic) => {
                failed += 1;
                eprintln!("error: input item {n}: analysis panicked: {panic}");
            }
        }
        Ok(())
    })?;
    out.flush().context("writing output")?;
    if failed > 0 {
        eprintln!("onrecord: {failed} document(s) failed");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

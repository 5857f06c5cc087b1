//! The `onrecord` command line. Each subcommand lives in its own module with its own `Args`.

mod eval;
mod extract;
mod learned;
mod ledger;
mod ordered;
mod pretty;
mod serve;
mod stance;

/// mimalloc, not glibc's malloc: allocation was ~10% of ingest's CPU, spread over many call
/// sites (BENCHMARKS.md, "mimalloc in the binary"); it costs some resident memory.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "onrecord", version, about = "News provenance: who said what, to whom, when, on whose authority, and who denies it")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum OutputFormat {
    /// One interchange JSON object per document (shared/eval/SCHEMA.md).
    Jsonl,
    /// A readable view for a person.
    Pretty,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse articles and print one JSON object per document (or a readable view).
    Extract(extract::Args),
    /// Score predictions against gold annotations (quotes, times, entities, stance).
    Eval(eval::Args),
    /// Store articles and everything extracted from them in the ledger (--db, default ./onrecord.db).
    Ingest(ledger::IngestArgs),
    /// Re-run analysis on stored articles after an upgrade.
    Reanalyze(ledger::ReanalyzeArgs),
    /// List quotes from the ledger (by speaker, date, outlet, kind).
    Quotes(ledger::QuotesArgs),
    /// List speakers resolved across articles.
    Speakers(ledger::SpeakersArgs),
    /// List claim clusters (--disputed: asserted and denied).
    Claims(ledger::ClaimsArgs),
    /// Timeline of one claim: who asserted, relayed and denied it.
    Claim(ledger::ClaimArgs),
    /// Full-text search over quotes and articles.
    Search(ledger::SearchArgs),
    /// Export every quote (jsonl, csv, jsonld).
    Export(ledger::ExportArgs),
    /// Serve the ledger: web UI and JSON API (read-only unless --token-env is given).
    Serve(serve::Args),
    /// Ingest the shipped sample corpus (and any files given), then serve it.
    Demo(serve::DemoArgs),
    /// Classify the stance of texts toward claims (agree, disagree, discuss, unrelated).
    Stance(stance::Args),
    /// Train a learned head (fixed seed; data paths as arguments; a log per epoch beside the weights).
    Train {
        #[command(subcommand)]
        what: onrecord_learn::command::TrainWhat,
    },
}

/// mimalloc's `mi_option_purge_delay` (its position in `mi_option_t`, mimalloc.h v2 and v3).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // Keep freed memory instead of handing it back to the system after a second: a linking or
    // an ingest frees and allocates large buffers again and again, and each time the kernel
    // zeroed fresh pages (10% of a linking's samples, `clear_page_erms`). Never purging: a
    // 210,000-article linking 0.35-0.8 s faster (4 pairs), storing 10,000 articles 10% less CPU,
    // peak RSS +20-50 MB (BENCHMARKS.md, "Round 14: ingest").
    // SAFETY: sets an option by its documented number; called before any thread starts.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Extract(args) => extract::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Ingest(args) => ledger::ingest(args),
        Command::Reanalyze(args) => ledger::reanalyze(args),
        Command::Quotes(args) => ledger::quotes(args),
        Command::Speakers(args) => ledger::speakers(args),
        Command::Claims(args) => ledger::claims(args),
        Command::Claim(args) => ledger::claim(args),
        Command::Search(args) => ledger::search(args),
        Command::Export(args) => ledger::export(args),
        Command::Serve(args) => serve::run(args),
        Command::Demo(args) => serve::demo(args),
        Command::Stance(args) => stance::run(args),
        Command::Train { what } => onrecord_learn::command::train(what).map(|()| ExitCode::SUCCESS).map_err(anyhow::Error::from),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("onrecord: {e:#}");
            ExitCode::from(2)
        }
    }
}

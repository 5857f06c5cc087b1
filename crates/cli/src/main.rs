//! The `onrecord` command line.

mod extract;
mod pretty;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "onrecord", version, about = "News provenance: who said what, to whom, when, on whose authority, and who denies it")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OutputFormat {
    /// One interchange JSON object per document (shared/eval/SCHEMA.md).
    Jsonl,
    /// A readable view for a person.
    Pretty,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse articles and print one JSON object per document (or a readable view).
    ///
    /// Inputs: text files, JSON Lines, HTML pages, directories of them, `.gz` of any, or `-`
    /// for standard input (the default). A document that fails is reported on stderr with its
    /// id and reason; the others are still printed, and the exit code is 1.
    Extract {
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
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Extract { inputs, format, tokens, threads } => {
            extract::run(&inputs, format, tokens, threads)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("onrecord: {e:#}");
            ExitCode::from(2)
        }
    }
}

//! The `onrecord` command line. Each subcommand lives in its own module with its own `Args`.

mod extract;
mod pretty;

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Extract(args) => extract::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("onrecord: {e:#}");
            ExitCode::from(2)
        }
    }
}

//! `onrecord eval`: the reference scorers' metrics, in Rust.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;
use onrecord_eval::{evaluate, EvalOptions, Task};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum TaskArg {
    /// Attributions (score_quotes.py).
    Quotes,
    /// Time expressions (score_times.py).
    Times,
    /// Named-entity mentions (score_entities.py).
    Entities,
    /// Stance labels (score_stance.py).
    Stance,
    /// HTML main-text extraction (score_extraction.py); GOLD is the benchmark's ground-truth.json.
    Extraction,
}

/// Score predictions against gold JSON Lines with the metrics of shared/eval's scorers.
///
/// Figures agree with the Python scorers (tested); `--json` prints what their `--json` prints.
#[derive(clap::Args)]
pub struct Args {
    /// Gold JSON Lines.
    gold: PathBuf,
    /// Predictions (e.g. the output of `onrecord extract`).
    pred: PathBuf,
    #[arg(long, value_enum, default_value = "quotes")]
    task: TaskArg,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
    /// Skip gold items marked "required": false (they count neither way).
    #[arg(long)]
    required_only: bool,
    /// quotes: least content overlap (character F1) for a match.
    #[arg(long, default_value_t = 0.5)]
    min_overlap: f64,
    /// entities: keep value types (DATE, MONEY, ...) as MISC instead of dropping them.
    #[arg(long)]
    keep_value_types: bool,
    /// extraction: bootstrap samples for confidence intervals (0: none).
    #[arg(long, default_value_t = 0)]
    bootstrap: usize,
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let task = match a.task {
        TaskArg::Quotes => Task::Quotes,
        TaskArg::Times => Task::Times,
        TaskArg::Entities => Task::Entities,
        TaskArg::Stance => Task::Stance,
        TaskArg::Extraction => Task::Extraction,
    };
    let opts = EvalOptions { min_overlap: a.min_overlap, required_only: a.required_only, keep_value_types: a.keep_value_types, bootstrap: a.bootstrap };
    let report = evaluate(task, &a.gold, &a.pred, &opts)?;
    if a.json {
        println!("{}", report.to_json());
    } else {
        print!("{report}");
    }
    for w in report.warnings() {
        eprintln!("{w}");
    }
    Ok(ExitCode::SUCCESS)
}

//! onrecord-eval: scorers for the engine's output against gold JSON Lines.
//!
//! A faithful Rust port of the reference scorers in `shared/eval/score_*.py`: the same
//! matching rules, tie-breaking, flags and figures (to the last bit where Python's float
//! arithmetic is reproduced), the same text table (`Display`) and the same `--json` text
//! (`to_json`). Offsets are Unicode code point offsets, as in Python.

mod entities;
mod extraction;
mod load;
pub mod py;
mod quotes;
mod stance;
mod times;

use std::fmt;
use std::path::{Path, PathBuf};

use serde::ser::SerializeMap;
use serde::Serialize;

pub use entities::{score_entities, score_entities_docs, EntityOptions, EntityReport, TypeScore};
pub use extraction::{score_extraction, score_extraction_docs, ExtractionReport, PyNumber};
pub use load::{load, Docs};
pub use quotes::{score_quotes, score_quotes_docs, QuoteOptions, QuoteReport};
pub use stance::{score_stance, score_stance_docs, ClassScore, StanceReport};
pub use times::{score_times, score_times_docs, TimeOptions, TimeReport, TimeTypeStats};

/// Errors while reading or scoring; each names the file and line, or the document.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: not UTF-8: {source}")]
    Utf8 { path: PathBuf, source: std::string::FromUtf8Error },
    #[error("{path}:{line}: not JSON: {message}")]
    Json { path: PathBuf, line: usize, message: String },
    #[error("{path}:{line}: not a JSON object")]
    NotObject { path: PathBuf, line: usize },
    /// A document's item the scorer cannot read (the Python scorer would stop there too).
    #[error("{context}: {message}")]
    Invalid { context: String, message: String },
}

impl EvalError {
    pub(crate) fn invalid(context: impl Into<String>, message: impl Into<String>) -> Self {
        EvalError::Invalid { context: context.into(), message: message.into() }
    }
}

/// A dict that keeps insertion order, serialised as a JSON object in that order
/// (Python dicts keep insertion order and the reference output depends on it).
#[derive(Debug, Clone, PartialEq)]
pub struct OrderedMap<V>(pub Vec<(String, V)>);

impl<V> Default for OrderedMap<V> {
    fn default() -> Self {
        OrderedMap(Vec::new())
    }
}

impl<V> OrderedMap<V> {
    pub fn get(&self, key: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The entry for `key`, created with `V::default()` at the end when absent.
    pub(crate) fn entry(&mut self, key: &str) -> &mut V
    where
        V: Default,
    {
        let pos = match self.0.iter().position(|(k, _)| k == key) {
            Some(p) => p,
            None => {
                self.0.push((key.to_string(), V::default()));
                self.0.len() - 1
            }
        };
        &mut self.0[pos].1
    }
}

impl<V: Serialize> Serialize for OrderedMap<V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// Which scorer to run (`onrecord eval --task`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Task {
    #[default]
    Quotes,
    Times,
    Entities,
    Stance,
    /// Article-body extraction; GOLD is the benchmark's `ground-truth.json`.
    Extraction,
}

/// All flags of all scorers; each task reads the ones its Python scorer has.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalOptions {
    /// quotes: `--min-overlap` (default 0.5).
    pub min_overlap: f64,
    /// quotes, times, entities: `--required-only`.
    pub required_only: bool,
    /// entities: `--keep-value-types`.
    pub keep_value_types: bool,
    /// extraction: `--bootstrap N` resamples for the 95% half-widths (0: none).
    pub bootstrap: usize,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions { min_overlap: 0.5, required_only: false, keep_value_types: false, bootstrap: 0 }
    }
}

/// The report of any task.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Report {
    Quotes(QuoteReport),
    Times(TimeReport),
    Entities(EntityReport),
    Stance(StanceReport),
    Extraction(ExtractionReport),
}

impl Report {
    /// Exactly what the Python scorer prints with `--json`.
    pub fn to_json(&self) -> String {
        match self {
            Report::Quotes(r) => r.to_json(),
            Report::Times(r) => r.to_json(),
            Report::Entities(r) => r.to_json(),
            Report::Stance(r) => r.to_json(),
            Report::Extraction(r) => r.to_json(),
        }
    }
    /// The lines the Python scorer prints on stderr (`warning: ...`).
    pub fn warnings(&self) -> &[String] {
        match self {
            Report::Quotes(r) => &r.warnings,
            Report::Times(r) => &r.warnings,
            Report::Entities(r) => &r.warnings,
            Report::Stance(r) => &r.warnings,
            Report::Extraction(r) => &r.warnings,
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Report::Quotes(r) => r.fmt(f),
            Report::Times(r) => r.fmt(f),
            Report::Entities(r) => r.fmt(f),
            Report::Stance(r) => r.fmt(f),
            Report::Extraction(r) => r.fmt(f),
        }
    }
}

/// Score `pred` against `gold` with the scorer of `task` (for extraction, `gold` is the
/// benchmark's `ground-truth.json`, the Python scorer's `--gold`).
pub fn evaluate(task: Task, gold: &Path, pred: &Path, opts: &EvalOptions) -> Result<Report, EvalError> {
    Ok(match task {
        Task::Quotes => Report::Quotes(score_quotes(
            gold,
            pred,
            &QuoteOptions { min_overlap: opts.min_overlap, required_only: opts.required_only },
        )?),
        Task::Times => Report::Times(score_times(gold, pred, &TimeOptions { required_only: opts.required_only })?),
        Task::Entities => Report::Entities(score_entities(
            gold,
            pred,
            &EntityOptions { keep_value_types: opts.keep_value_types, required_only: opts.required_only },
        )?),
        Task::Stance => Report::Stance(score_stance(gold, pred)?),
        Task::Extraction => Report::Extraction(score_extraction(gold, pred, opts.bootstrap)?),
    })
}

/// `f"{k:28} {v:.3f}"`.
pub(crate) fn line_f(f: &mut fmt::Formatter<'_>, k: &str, v: f64) -> fmt::Result {
    writeln!(f, "{k:28} {}", py::fixed(v, 3))
}

/// `f"{k:28} {v}"` for ints and None.
pub(crate) fn line_plain(f: &mut fmt::Formatter<'_>, k: &str, v: impl fmt::Display) -> fmt::Result {
    writeln!(f, "{k:28} {v}")
}

/// The warning the Python scorers print when gold documents have no prediction line.
pub(crate) fn missing_warning(n: usize) -> Option<String> {
    (n > 0).then(|| format!("warning: {n} gold documents have no prediction line"))
}

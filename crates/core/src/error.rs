use thiserror::Error;

/// Errors of the per-article analysis.
#[derive(Debug, Error)]
pub enum Error {
    #[error("{component}: {message}")]
    Component { component: &'static str, message: String },
    #[error("lexicon {name}, line {line}: {message}")]
    Lexicon { name: &'static str, line: usize, message: String },
    #[error("{0}")]
    Other(String),
}

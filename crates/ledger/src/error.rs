use thiserror::Error;

/// Everything that can go wrong in the ledger.
#[derive(Debug, Error)]
pub enum LedgerError {
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("csv: {0}")]
    Csv(#[from] csv::Error),
    #[error("ledger schema version {found} is newer than this program understands ({supported})")]
    TooNew { found: i64, supported: i64 },
    #[error("{0}")]
    Other(String),
}

pub type Result<T> = std::result::Result<T, LedgerError>;

use thiserror::Error;

/// A document that could not be read. Names the file and, inside it, the record.
#[derive(Debug, Error)]
#[error("{path}{}: {message}", record.map(|r| format!(":{r}")).unwrap_or_default())]
pub struct IngestError {
    pub path: String,
    /// Line (JSONL), record (WARC) or entry (feed) number, 1-based.
    pub record: Option<u64>,
    /// The document id, when it was known before the failure.
    pub id: Option<String>,
    pub message: String,
}

impl IngestError {
    pub fn new(path: impl Into<String>, record: Option<u64>, message: impl Into<String>) -> Self {
        IngestError { path: path.into(), record, id: None, message: message.into() }
    }

    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }
}

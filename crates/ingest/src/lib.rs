//! onrecord-ingest: reading articles from files, directories and standard input.
//!
//! Formats: plain text (one document a file), JSON Lines (the interchange input of
//! `shared/eval/SCHEMA.md`), HTML pages (main text and metadata), WARC archives (each HTML
//! response a document) and RSS/Atom feeds (each entry a document); any of them
//! gzip-compressed (`.gz`). Every document records where it came from (`Document::origin`),
//! and every metadata value its source. A bad record is an [`IngestError`] naming file and
//! record; reading goes on with the next.

mod byline;
mod charset;
mod dates;
mod error;
pub mod feed;
pub mod html;
pub mod jsonl;
mod pending;
pub mod source;
pub mod warc;

pub use byline::clean_byline;
pub use charset::decode as decode_html_bytes;
pub use dates::normalize_date;
pub use error::IngestError;
pub use pending::{HtmlJob, Pending};
pub use source::{id_from_path, read_all, read_all_pending, read_path, read_path_pending, Format};

/// Articles with more text than this are rejected with an error and not analysed.
pub const MAX_TEXT_BYTES: usize = 10 * 1024 * 1024;

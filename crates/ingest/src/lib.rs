//! onrecord-ingest: reading articles from files, directories and standard input.
//!
//! Formats: plain text (one document a file), JSON Lines (the interchange input of
//! `shared/eval/SCHEMA.md`), HTML pages; any of them gzip-compressed (`.gz`). Every document
//! records where it came from (`Document::origin`), and every metadata value its source.
//! A bad record is an [`IngestError`] naming file and record; reading goes on with the next.

mod error;
pub mod html;
pub mod jsonl;
pub mod source;

pub use error::IngestError;
pub use source::{id_from_path, read_all, read_path};

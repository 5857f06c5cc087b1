//! onrecord-ledger: the cross-article record in one SQLite file.
//!
//! Ingest stores each analysed article with all its layers ([`prepare`]) in one transaction per
//! batch, so a killed run loses nothing already committed and a re-run skips what is there
//! (articles are keyed by document id + SHA-256 of the text, and carry the analysis version).
//! Linking ([`Ledger::link`]) then rebuilds the cross-article tables in one transaction: copy
//! clusters ([`copies`]), speakers resolved across articles ([`speakers`]) and claim clusters
//! with their disputes ([`claims`]). Offsets in the database are Unicode code points.
//!
//! ```
//! use onrecord_ledger::{Ledger, IngestOptions, LexicalEncoder};
//! let mut ledger = Ledger::open_in_memory().unwrap();
//! let docs = vec![Ok(onrecord_core::Document::new("a", "Hello there."))];
//! let s = ledger.ingest(docs.into_iter(), &|_d: &mut onrecord_core::Document| Ok(()),
//!     &IngestOptions::default(), &LexicalEncoder, &mut |_| {}).unwrap();
//! assert_eq!(s.ingested, 1);
//! ```

pub mod browse;
pub mod claims;
pub mod copies;
mod error;
pub mod export;
pub mod levels;
#[cfg(feature = "embeddings")]
pub mod minilm;
mod parquet_export;
pub mod prepare;
pub mod query;
pub mod relink;
pub mod schema;
pub mod speakers;
mod store;
pub mod text;
pub mod vectors;

pub use claims::{ClaimEncoder, LexicalEncoder};
pub use error::{LedgerError, Result};
#[cfg(feature = "embeddings")]
pub use minilm::MiniLmEncoder;
pub use prepare::Stance;
pub use store::{Event, IngestOptions, IngestSummary, LinkSummary, BATCH, LINK_EVERY};

use std::path::Path;

use rusqlite::Connection;

/// The default ledger file.
pub const DEFAULT_DB: &str = "onrecord.db";

/// An open ledger.
pub struct Ledger {
    conn: Connection,
}

/// SQLite's page cache of a connection that ingests or links, KiB (a negative `cache_size` is
/// KiB). Linking and the writer walk indexes far larger than the default 2 MB cache; with it, a
/// third of linking went to reading pages back from the OS. Readers (the server's pool) keep
/// the default.
pub(crate) const WRITE_CACHE_KIB: i64 = -16_384;

impl Ledger {
    /// Opens (creating if needed) the ledger at `path`, in WAL mode, migrated to the current schema.
    pub fn open(path: &Path) -> Result<Ledger> {
        let conn = Connection::open(path)?;
        Self::setup(conn)
    }

    pub fn open_in_memory() -> Result<Ledger> {
        Self::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> Result<Ledger> {
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        // WAL + NORMAL: a killed process loses no committed transaction.
        let _: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        schema::migrate(&mut conn)?;
        Ok(Ledger { conn })
    }

    /// Gives this connection the larger page cache of writing ([`WRITE_CACHE_KIB`]).
    pub(crate) fn writing_cache(&self) -> Result<()> {
        self.conn.pragma_update(None, "cache_size", WRITE_CACHE_KIB)?;
        Ok(())
    }

    /// The underlying connection, for queries this crate does not offer.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Row counts of the main tables, for summaries and tests.
    pub fn counts(&self) -> Result<Vec<(&'static str, i64)>> {
        let tables = [
            "articles",
            "entities",
            "mentions",
            "times",
            "attributions",
            "agents",
            "copies",
            "claims",
        ];
        tables
            .iter()
            .map(|t| {
                // Mentions are stored as one JSON list per entity (schema v7).
                let sql = match *t {
                    "mentions" => "SELECT coalesce(sum(json_array_length(mentions)), 0) FROM entities".to_string(),
                    t => format!("SELECT count(*) FROM {t}"),
                };
                Ok((*t, self.conn.query_row(&sql, [], |r| r.get(0))?))
            })
            .collect()
    }
}

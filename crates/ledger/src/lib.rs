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
    /// Set once this connection has ingested or linked: on drop it leaves the write-ahead log
    /// ready for the next writer ([`Ledger::leave_log_for_reuse`]).
    wrote: bool,
}

/// The largest write-ahead log kept for the next writer, bytes; a larger one is truncated on
/// close. A linking's log holds every page it changed (~475 MB at 200,000 articles).
pub const KEEP_LOG_BYTES: u64 = 1 << 30;

/// SQLite's page cache of a connection that ingests or links, KiB (a negative `cache_size` is
/// KiB). Linking and the writer walk indexes far larger than the default 2 MB cache; with it, a
/// third of linking went to reading pages back from the OS. Readers (the server's pool) keep
/// the default.
pub(crate) const WRITE_CACHE_KIB: i64 = -16_384;

impl Drop for Ledger {
    fn drop(&mut self) {
        if self.wrote {
            // Best effort: failing here costs the next writer time, never data.
            let _ = self.leave_log_for_reuse();
        }
    }
}

/// Asks SQLite to keep this connection's write-ahead log file when it closes
/// (`SQLITE_FCNTL_PERSIST_WAL`). An in-memory database has no log; the call is then a no-op.
fn persist_log(conn: &Connection) -> Result<()> {
    let mut on: std::ffi::c_int = 1;
    // SAFETY: the handle is this open connection's; the database name is a NUL-terminated
    // literal; SQLITE_FCNTL_PERSIST_WAL reads and writes one c_int, which `on` is and outlives
    // the call.
    let rc = unsafe {
        rusqlite::ffi::sqlite3_file_control(
            conn.handle(),
            c"main".as_ptr(),
            rusqlite::ffi::SQLITE_FCNTL_PERSIST_WAL,
            (&mut on as *mut std::ffi::c_int).cast(),
        )
    };
    match rc {
        rusqlite::ffi::SQLITE_OK | rusqlite::ffi::SQLITE_NOTFOUND => Ok(()),
        code => Err(rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), Some("keeping the write-ahead log".into())).into()),
    }
}

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
        Ok(Ledger { conn, wrote: false })
    }

    /// Prepares this connection for ingesting or linking: the larger page cache of writing
    /// ([`WRITE_CACHE_KIB`]), and a write-ahead log that outlives the connection.
    ///
    /// Why keep the log: SQLite deletes it when the last connection closes, so every `ingest`
    /// run wrote its linking's log (every page the linking changes, hundreds of MB on a large
    /// ledger) into new file blocks, and the kernel zeroes each block part that a frame (4,120
    /// bytes, never block-aligned) leaves unwritten. At 200,000 articles that was a sixth of a
    /// linking's time (BENCHMARKS "The ledger at 200,000 articles"); a kept log is written over.
    pub(crate) fn writing_cache(&mut self) -> Result<()> {
        self.conn.pragma_update(None, "cache_size", WRITE_CACHE_KIB)?;
        if !self.wrote {
            persist_log(&self.conn)?;
            self.wrote = true;
        }
        Ok(())
    }

    /// Leaves the write-ahead log for the next writer to write over: checkpoints it and, if every
    /// frame reached the database, writes one small row so that the log starts again from its
    /// first frame under a new salt. The old frames then fail the salt check and a later open
    /// reads only the new one, instead of replaying the whole old log. A log over
    /// [`KEEP_LOG_BYTES`] is truncated instead. Runs on drop for a connection that wrote.
    pub fn leave_log_for_reuse(&mut self) -> Result<()> {
        self.leave_log(KEEP_LOG_BYTES)
    }

    fn leave_log(&mut self, keep_bytes: u64) -> Result<()> {
        let (busy, frames, moved): (i64, i64, i64) =
            self.conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        if busy != 0 || frames != moved {
            return Ok(()); // a reader still needs the log: SQLite keeps it as it is
        }
        let log_bytes = self
            .conn
            .path()
            .and_then(|p| std::fs::metadata(format!("{p}-wal")).ok())
            .map_or(0, |m| m.len());
        if log_bytes > keep_bytes {
            self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        } else {
            self.conn.execute("INSERT OR REPLACE INTO state(key, value) VALUES ('log_restarted', datetime('now'))", [])?;
        }
        Ok(())
    }

    /// Whether this connection has ingested or linked (and so keeps its log on drop).
    pub fn wrote(&self) -> bool {
        self.wrote
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A ledger file in the temporary directory, removed with its log on drop.
    struct TempDb(std::path::PathBuf);

    impl TempDb {
        fn new(name: &str) -> TempDb {
            let p = std::env::temp_dir().join(format!("onrecord-{name}-{}.db", std::process::id()));
            let t = TempDb(p);
            t.remove();
            t
        }
        fn log(&self) -> std::path::PathBuf {
            std::path::PathBuf::from(format!("{}-wal", self.0.display()))
        }
        fn remove(&self) {
            for ext in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{ext}", self.0.display()));
            }
        }
    }

    impl Drop for TempDb {
        fn drop(&mut self) {
            self.remove();
        }
    }

    /// Writes ~2 MB of rows in three transactions, as a writer would.
    fn write_some(l: &mut Ledger) {
        l.writing_cache().unwrap();
        for t in 0..3 {
            l.conn
                .execute(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
                     INSERT INTO state(key, value) SELECT 'k' || ?1 || '-' || i, hex(randomblob(300)) FROM n",
                    [t],
                )
                .unwrap();
        }
    }

    fn be32(b: &[u8], at: usize) -> u32 {
        u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
    }

    #[test]
    fn a_writer_leaves_its_log_to_be_written_over() {
        let db = TempDb::new("kept-log");
        let mut l = Ledger::open(&db.0).unwrap();
        write_some(&mut l);
        let rows = l.counts().unwrap();
        drop(l);
        let log = std::fs::read(db.log()).expect("the log is kept");
        let page = be32(&log, 8) as usize;
        let frame = |i: usize| 32 + (i - 1) * (24 + page);
        let frames = (log.len() - 32) / (24 + page);
        // The first frames are the restart's, under the header's new salt; the rest are the old
        // frames, under the old salt, where recovery stops.
        let salt = (be32(&log, 16), be32(&log, 20));
        let fresh = (1..=frames).take_while(|&i| (be32(&log, frame(i) + 8), be32(&log, frame(i) + 12)) == salt).count();
        assert!((1..=4).contains(&fresh), "{fresh} frames under the new salt");
        assert!(frames > 100, "the old frames are still there to be written over ({frames})");
        // Everything written is there after the next open, and a reader keeps no log.
        let l = Ledger::open(&db.0).unwrap();
        assert_eq!(l.counts().unwrap(), rows);
        let n: i64 = l.conn.query_row("SELECT count(*) FROM state WHERE key LIKE 'k%'", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 3000);
        assert!(!l.wrote());
    }

    #[test]
    fn a_log_over_the_limit_is_truncated() {
        let db = TempDb::new("truncated-log");
        let mut l = Ledger::open(&db.0).unwrap();
        write_some(&mut l);
        l.leave_log(0).unwrap();
        assert_eq!(std::fs::metadata(db.log()).unwrap().len(), 0);
        l.wrote = false;
        drop(l);
        let l = Ledger::open(&db.0).unwrap();
        let n: i64 = l.conn.query_row("SELECT count(*) FROM state WHERE key LIKE 'k%'", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 3000);
    }

    #[test]
    fn an_in_memory_ledger_has_no_log_to_keep() {
        let mut l = Ledger::open_in_memory().unwrap();
        write_some(&mut l);
        assert!(l.wrote());
        l.leave_log_for_reuse().unwrap();
    }
}

//! Tables kept in two levels: a main table and a small recent one beside it, with the same key.
//!
//! Linking adds rows whose keys fall all over a table (a hash, a speaker and a date, a claim), so
//! in one table its new rows touch most of the table's pages, and each linking rewrote about the
//! whole table (at 210,000 articles: the copy index 21,219 pages, the speakers' quotes 15,422,
//! the index of quotes by claim 11,964). Kept in
//! two levels, a linking writes its rows into the recent table only, and the recent table is
//! merged into the main one now and then ([`merge_due`]). Readers read both: a lookup asks each
//! table, and an ordered page merges the two ordered ranges (a compound SELECT with its ORDER BY,
//! which SQLite answers by merging two index ranges, not by sorting).

use rusqlite::{params, OptionalExtension, Transaction};

use crate::Result;

/// A table kept in two levels, with the `state` keys of the rows linking counts in each.
pub struct TwoLevels {
    pub main: &'static str,
    pub recent: &'static str,
    /// The table's key, the order rows are merged in.
    key: &'static str,
    main_rows: &'static str,
    recent_rows: &'static str,
}

/// The copy index (`crate::relink`'s LSH buckets, schema v21).
pub const COPY_INDEX: TwoLevels = TwoLevels {
    main: "copy_bands",
    recent: "copy_bands_recent",
    key: "band, hash, article",
    main_rows: "copy_bands_rows",
    recent_rows: "copy_bands_recent_rows",
};

/// Each speaker's quotes in date order (schema v11 for one level, v22 for two).
pub const SPEAKER_QUOTES: TwoLevels = TwoLevels {
    main: "speaker_quotes",
    recent: "speaker_quotes_recent",
    key: "agent, undated, published, article, idx, id",
    main_rows: "speaker_quotes_rows",
    recent_rows: "speaker_quotes_recent_rows",
};

/// Each claim's quotes (schema v23), in place of an index on the quotes' claim.
pub const CLAIM_MEMBERS: TwoLevels = TwoLevels {
    main: "claim_members",
    recent: "claim_members_recent",
    key: "claim, article, id",
    main_rows: "claim_members_rows",
    recent_rows: "claim_members_recent_rows",
};

/// Whether the recent level is merged into the main one after a linking that wrote `written`
/// rows to it, leaving `recent` there beside `main` in the main level.
///
/// A linking rewrites the recent level and a merge rewrites the main one (and empties the
/// recent). Over the `k` linkings of `written` rows between two merges, that is about
/// `k² · written / 2` rows in the recent level and `main` once, least at
/// `k = sqrt(2 · main / written)`: merging once `recent² >= 2 · main · written` makes a linking's
/// cost grow with the square root of the table instead of with its size.
pub fn merge_due(main: i64, recent: i64, written: i64) -> bool {
    written > 0 && (recent as i128) * (recent as i128) >= 2 * (main.max(0) as i128) * (written as i128)
}

impl TwoLevels {
    /// The rows linking has counted in each level: (main, recent).
    pub fn rows(&self, tx: &rusqlite::Connection) -> Result<(i64, i64)> {
        let mut get = tx.prepare_cached("SELECT CAST(value AS INTEGER) FROM state WHERE key = ?1")?;
        let mut one = |key: &str| -> Result<i64> { Ok(get.query_row([key], |r| r.get(0)).optional()?.unwrap_or(0)) };
        Ok((one(self.main_rows)?, one(self.recent_rows)?))
    }

    fn put_rows(&self, tx: &rusqlite::Connection, main: i64, recent: i64) -> Result<()> {
        let mut put = tx.prepare_cached("INSERT OR REPLACE INTO state(key, value) VALUES (?1, ?2)")?;
        put.execute(params![self.main_rows, main])?;
        put.execute(params![self.recent_rows, recent])?;
        Ok(())
    }

    /// Empties both levels (before a rebuild from scratch).
    pub fn clear(&self, tx: &Transaction) -> Result<()> {
        tx.execute_batch(&format!("DELETE FROM {}; DELETE FROM {};", self.main, self.recent))?;
        self.put_rows(tx, 0, 0)
    }

    /// Counts `rows` written straight into the main level (by a rebuild from scratch).
    pub fn filled(&self, tx: &Transaction, rows: usize) -> Result<()> {
        let (main, recent) = self.rows(tx)?;
        self.put_rows(tx, main + rows as i64, recent)
    }

    /// Counts a linking's `written` rows in the recent level and merges it into the main one
    /// when [`merge_due`]; says whether it merged.
    pub fn settle(&self, tx: &Transaction, written: usize) -> Result<bool> {
        let (mut main, mut recent) = self.rows(tx)?;
        recent += written as i64;
        let merge = merge_due(main, recent, written as i64);
        if merge {
            let (m, r, k) = (self.main, self.recent, self.key);
            main += tx.execute(&format!("INSERT OR IGNORE INTO {m}({k}) SELECT {k} FROM {r} ORDER BY {k}"), [])? as i64;
            tx.execute(&format!("DELETE FROM {r}"), [])?;
            recent = 0;
        }
        self.put_rows(tx, main, recent)?;
        Ok(merge)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Linkings of equal size merge the recent level ever less often as the main level grows
    /// (about every sqrt(2 · main / written) linkings), never on a linking that wrote nothing,
    /// and at once into an empty main level.
    #[test]
    fn the_recent_level_merges_at_the_square_root() {
        let (b, mut main, mut recent) = (100, 100, 0);
        let mut merged_after = vec![];
        let mut since = 0;
        for _ in 0..60 {
            recent += b;
            since += 1;
            if merge_due(main, recent, b) {
                main += recent;
                recent = 0;
                merged_after.push(since);
                since = 0;
            }
        }
        assert_eq!(&merged_after[..5], &[2, 3, 4, 5, 6]);
        assert!(merged_after.windows(2).all(|w| w[0] <= w[1]), "{merged_after:?}");
        assert!(!merge_due(1_000, 5_000, 0));
        assert!(merge_due(0, 10, 10));
        assert!(!merge_due(i64::MAX / 2, 1 << 40, 1 << 40), "no overflow");
    }
}

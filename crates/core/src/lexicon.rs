//! Data tables of linguistic knowledge (cue verbs, titles, hedges, ...).
//!
//! Tables are tab-separated text files kept in each crate's `data/` folder and compiled in with
//! `include_str!`, so the knowledge is reviewable and editable without reading code. Format:
//! one entry a line, fields separated by tabs, `#` starts a comment line, blank lines ignored.

use std::collections::HashMap;

use crate::Error;

/// A parsed table: rows of fields.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub name: &'static str,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Parses a table, requiring at least `min_fields` fields per row.
    pub fn parse(name: &'static str, src: &str, min_fields: usize) -> Result<Table, Error> {
        let mut rows = Vec::new();
        for (i, line) in src.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let fields: Vec<String> = line.split('\t').map(|f| f.trim().to_string()).collect();
            if fields.len() < min_fields || fields[0].is_empty() {
                return Err(Error::Lexicon {
                    name,
                    line: i + 1,
                    message: format!("expected {min_fields} tab-separated fields, found {}", fields.len()),
                });
            }
            rows.push(fields);
        }
        Ok(Table { name, rows })
    }

    /// Parses a table compiled into the binary; such tables are checked by unit tests, so a
    /// failure here is a build defect and panics with the table's name and line.
    pub fn builtin(name: &'static str, src: &str, min_fields: usize) -> Table {
        match Table::parse(name, src, min_fields) {
            Ok(t) => t,
            Err(e) => panic!("built-in {e}"),
        }
    }

    /// First field of each row, lower-cased.
    pub fn keys_lower(&self) -> Vec<String> {
        self.rows.iter().map(|r| r[0].to_lowercase()).collect()
    }

    /// Map from the lower-cased first field to the second field.
    pub fn map_lower(&self) -> HashMap<String, String> {
        self.rows
            .iter()
            .map(|r| (r[0].to_lowercase(), r.get(1).cloned().unwrap_or_default()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rows_and_reports_bad_lines() {
        let t = Table::parse("t", "# c\nsaid\tspeech\n\ntold\tspeech\n", 2).unwrap();
        assert_eq!(t.rows.len(), 2);
        let e = Table::parse("t", "said\n", 2).unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
    }
}

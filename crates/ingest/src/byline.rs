//! Byline cleaning: keep names, reject page furniture ("5 Minute Read", "10:30 Am Edt",
//! "By Staff", dates, URLs). The word lists live in `data/byline_words.tsv`.

use std::collections::HashMap;
use std::sync::OnceLock;

use onrecord_core::lexicon::Table;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Reject,
    Weak,
    Prefix,
}

/// Longest byline we accept; longer strings are sentences or lists, not credits.
const MAX_CHARS: usize = 120;
const MAX_WORDS: usize = 16;

fn words() -> &'static HashMap<String, Class> {
    static W: OnceLock<HashMap<String, Class>> = OnceLock::new();
    W.get_or_init(|| {
        let t = Table::builtin("byline_words.tsv", include_str!("../data/byline_words.tsv"), 2);
        t.rows
            .iter()
            .filter_map(|r| {
                let c = match r[1].as_str() {
                    "reject" => Class::Reject,
                    "weak" => Class::Weak,
                    "prefix" => Class::Prefix,
                    _ => return None,
                };
                Some((r[0].to_lowercase(), c))
            })
            .collect()
    })
}

fn class(word: &str) -> Option<Class> {
    words().get(&word.to_lowercase()).copied()
}

/// Cleans one author credit; `None` when it is not a name.
pub fn clean_byline(raw: &str) -> Option<String> {
    let s = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut s = s.trim_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '|' | '-' | '–' | '—' | '·' | '•'));
    // Strip prefixes word by word ("Written by", "By:").
    loop {
        let first = s.split(|c: char| c.is_whitespace() || c == ':').next().unwrap_or("");
        if first.is_empty() || class(first) != Some(Class::Prefix) || first.len() == s.len() {
            break;
        }
        s = s.get(first.len()..).unwrap_or("").trim_start_matches(|c: char| c.is_whitespace() || c == ':');
    }
    let s = s.trim();
    if s.is_empty() || s.chars().count() > MAX_CHARS {
        return None;
    }
    let lower = s.to_lowercase();
    if lower.contains("://") || lower.contains("www.") || s.contains('@') || s.contains('/') || s.contains('{') || s.contains('<') {
        return None;
    }
    // Names have no digits; dates, times and reading times do.
    if s.chars().any(|c| c.is_numeric()) {
        return None;
    }
    let toks: Vec<&str> = s.split(|c: char| !(c.is_alphabetic() || c == '\'' || c == '’' || c == '.')).filter(|t| !t.is_empty()).collect();
    let toks: Vec<&str> = toks.iter().map(|t| t.trim_matches('.')).filter(|t| !t.is_empty()).collect();
    if toks.is_empty() || toks.len() > MAX_WORDS {
        return None;
    }
    if toks.iter().any(|t| class(t) == Some(Class::Reject)) {
        return None;
    }
    if toks.iter().all(|t| class(t).is_some()) {
        return None;
    }
    // At least one word must look like a name: in scripts with case, capitalised.
    let named = toks.iter().any(|t| t.chars().next().is_some_and(|c| c.is_uppercase() || !c.is_lowercase()));
    named.then(|| s.to_string())
}

/// Cleans a list of credits and joins the names that survive with ", " (duplicates dropped).
pub fn join_bylines<'a>(names: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        if let Some(c) = clean_byline(n) {
            if !out.iter().any(|o| o.eq_ignore_ascii_case(&c)) {
                out.push(c);
            }
        }
    }
    (!out.is_empty()).then(|| out.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_parses() {
        assert!(words().len() > 50);
        assert_eq!(class("Staff"), Some(Class::Reject));
    }

    #[test]
    fn keeps_names() {
        assert_eq!(clean_byline("By Jane Doe").as_deref(), Some("Jane Doe"));
        assert_eq!(clean_byline("Written by: Jean-Luc O'Neill").as_deref(), Some("Jean-Luc O'Neill"));
        assert_eq!(clean_byline("Analysis by Ann Lee, Editor-at-large").as_deref(), Some("Ann Lee, Editor-at-large"));
        assert_eq!(clean_byline("April Ryan").as_deref(), Some("April Ryan"));
        assert_eq!(clean_byline("Associated Press").as_deref(), Some("Associated Press"));
        assert_eq!(clean_byline("Дмитрий Песков").as_deref(), Some("Дмитрий Песков"));
    }

    #[test]
    fn rejects_furniture() {
        for bad in [
            "Minute Read",
            "5 Minute Read",
            "Am Edt",
            "10:30 AM EDT",
            "By Staff",
            "November 19, 2019",
            "Monday",
            "https://example.com/authors/jane",
            "@janedoe",
            "Updated",
            "by",
            "",
            "the editors",
            "Editorial",
            "Гость",
        ] {
            assert_eq!(clean_byline(bad), None, "{bad}");
        }
    }

    #[test]
    fn joins() {
        assert_eq!(join_bylines(["Jane Doe", "By Staff", "John Roe", "jane doe"]).as_deref(), Some("Jane Doe, John Roe"));
        assert_eq!(join_bylines(["Minute Read"]), None);
    }
}

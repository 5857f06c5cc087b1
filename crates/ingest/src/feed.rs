//! RSS and Atom feeds (`.rss`, `.atom`, `.xml`): every entry is a document. Text comes from the
//! entry's content (HTML turned into one paragraph a line) or else its summary; title, date,
//! link, author, language and the feed's title (as publisher) are kept with
//! `FieldSource::Feed`. A date we cannot read is dropped, never guessed.

use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use feed_rs::model::{Entry, Feed, Text};
use onrecord_core::{Document, Field, FieldSource, Metadata, Origin};

use crate::byline::join_bylines;
use crate::dates::normalize_date;
use crate::html::{fragment_text, norm_lang, paragraph_lines};
use crate::{IngestError, MAX_TEXT_BYTES};

/// Whether the first bytes of a file look like a feed (`<rss`, `<feed`, `<rdf:RDF`).
pub fn sniff_feed(head: &[u8]) -> bool {
    let head: Vec<u8> = head.iter().take(2048).map(u8::to_ascii_lowercase).collect();
    // The tag name must end there (`<feedback>` is not a feed).
    let has = |n: &[u8]| {
        head.windows(n.len() + 1).any(|w| w.starts_with(n) && w.last().is_some_and(|&c| c.is_ascii_whitespace() || c == b'>'))
    };
    has(b"<rss") || has(b"<feed") || has(b"<rdf:rdf")
}

/// Reads a whole feed; a feed that does not parse is one error, entries without text are
/// errors of their own entry number.
pub fn read_feed(reader: impl Read, path: &str, stem: &str) -> Vec<Result<Document, IngestError>> {
    // feed-rs hands dates over as UTC instants; we remember what each source string said so
    // that the offset (and a date given without time) survives.
    let said: Arc<Mutex<HashMap<DateTime<Utc>, String>>> = Arc::default();
    let said_in_parser = Arc::clone(&said);
    let parser = feed_rs::parser::Builder::new()
        // No invented ids: an entry without one gets the file stem and its number.
        .id_generator(|_, _, _| String::new())
        .timestamp_parser(move |raw| {
            let iso = normalize_date(raw)?;
            let instant = instant_of(&iso)?;
            if let Ok(mut m) = said_in_parser.lock() {
                m.insert(instant, iso);
            }
            Some(instant)
        })
        .build();
    let feed = match parser.parse(reader) {
        Ok(f) => f,
        Err(e) => return vec![Err(IngestError::new(path, None, format!("not a readable RSS/Atom feed: {e}")).with_id(stem))],
    };
    let said = said.lock().map(|m| m.clone()).unwrap_or_default();
    feed.entries.iter().enumerate().map(|(i, e)| entry_document(&feed, e, i as u64 + 1, path, stem, &said)).collect()
}

/// The UTC instant of a normalised ISO date or date-time (a bare date is its midnight).
fn instant_of(iso: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(iso) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(n) = NaiveDateTime::parse_from_str(iso, "%Y-%m-%dT%H:%M:%S") {
        return Some(n.and_utc());
    }
    NaiveDate::parse_from_str(iso, "%Y-%m-%d").ok()?.and_hms_opt(0, 0, 0).map(|n| n.and_utc())
}

fn text_value(t: &Text) -> String {
    let sub = t.content_type.subty().as_str().to_ascii_lowercase();
    if sub.contains("html") || looks_like_markup(&t.content) {
        fragment_text(&t.content)
    } else {
        paragraph_lines(&t.content)
    }
}

/// Plain-text fields that in fact hold markup (a frequent RSS habit).
fn looks_like_markup(s: &str) -> bool {
    ["<p", "<br", "<div", "<a ", "<img", "<b>", "<i>", "<em>", "<strong>", "<span"].iter().any(|t| s.contains(t))
}

fn entry_document(feed: &Feed, e: &Entry, n: u64, path: &str, stem: &str, said: &HashMap<DateTime<Utc>, String>) -> Result<Document, IngestError> {
    let id = if e.id.trim().is_empty() { format!("{stem}-{n}") } else { e.id.trim().to_string() };
    let err = |m: String| IngestError::new(path, Some(n), m).with_id(id.clone());
    let content = e.content.as_ref().and_then(|c| {
        let body = c.body.as_deref()?;
        let sub = c.content_type.subty().as_str().to_ascii_lowercase();
        Some(if sub.contains("html") || looks_like_markup(body) { fragment_text(body) } else { paragraph_lines(body) })
    });
    let text = content.filter(|t| !t.is_empty()).or_else(|| e.summary.as_ref().map(text_value)).unwrap_or_default();
    if text.is_empty() {
        return Err(err("feed entry has no content or summary text".into()));
    }
    if text.len() > MAX_TEXT_BYTES {
        return Err(err(format!("article text of {} bytes is over the {} MB limit; not analysed", text.len(), MAX_TEXT_BYTES >> 20)));
    }
    let field = |v: Option<String>| v.filter(|s| !s.trim().is_empty()).map(|s| Field::new(s.trim(), FieldSource::Feed));
    let mut meta = Metadata {
        title: field(e.title.as_ref().map(|t| text_value(t).replace('\n', " "))),
        published: field(e.published.map(|p| said.get(&p).cloned().unwrap_or_else(|| p.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()))),
        byline: field(join_bylines(e.authors.iter().filter_map(|a| a.name.as_deref()))),
        url: field(
            e.links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .or_else(|| e.links.first())
                .map(|l| l.href.clone()),
        ),
        language: field(e.language.as_deref().or(feed.language.as_deref()).and_then(norm_lang)),
        ..Default::default()
    };
    meta.publisher = field(feed.title.as_ref().map(|t| text_value(t).replace('\n', " ")));
    meta.site_name = meta.publisher.clone();
    let mut doc = Document::new(id, text);
    doc.meta = meta;
    doc.origin = Origin { path: path.to_string(), record: Some(n), format: "feed".into() };
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs() {
        assert!(sniff_feed(b"<?xml version=\"1.0\"?>\n<rss version=\"2.0\">"));
        assert!(sniff_feed(b"<feed xmlns=\"http://www.w3.org/2005/Atom\">"));
        assert!(!sniff_feed(b"<!doctype html><html>"));
        assert!(!sniff_feed(b"<html><feedback>"));
    }

    #[test]
    fn instants() {
        assert_eq!(instant_of("2023-03-14").map(|d| d.to_rfc3339()).as_deref(), Some("2023-03-14T00:00:00+00:00"));
        assert_eq!(instant_of("2023-03-14T10:00:00+02:00").map(|d| d.to_rfc3339()).as_deref(), Some("2023-03-14T08:00:00+00:00"));
    }
}

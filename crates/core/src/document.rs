//! The document: the original text, where it came from, and the analysis layers over it.
//!
//! Like spaCy's `Doc`, the text is the single source of truth. Every layer holds [`Span`]s into
//! it, never copies; strings appear only for values that are not in the text (a normalised
//! date, a time value).

use serde::{Deserialize, Serialize};

use crate::layers::{Attribution, Entity, Paragraph, QuoteRegion, Sentence, Timex, Token};
use crate::Span;

/// Where a metadata value was found. Nothing is invented: a value without a source is absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldSource {
    /// A field of the JSON Lines record.
    Jsonl,
    /// schema.org JSON-LD in the page.
    JsonLd,
    /// A `<meta>` tag (Open Graph, Dublin Core, article:*, name=...).
    MetaTag,
    /// A `<time datetime>` element.
    TimeElement,
    /// The page's `<title>` or first heading.
    TitleTag,
    /// The article extractor's own heuristics over the page body.
    Extractor,
    /// A date or name inside the URL.
    Url,
    /// An RSS/Atom entry.
    Feed,
    /// A WARC record header.
    Warc,
    /// The file name.
    FileName,
    /// Given on the command line.
    User,
}

/// One metadata value with its provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub value: String,
    pub source: FieldSource,
}

impl Field {
    pub fn new(value: impl Into<String>, source: FieldSource) -> Self {
        Field { value: value.into(), source }
    }
}

/// Where the document was read from: a file, and a record inside it when the file holds many.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// Path of the file, or `-` for standard input.
    pub path: String,
    /// Line number (JSONL), record number (WARC) or entry number (feeds), 1-based.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<u64>,
    /// The input format that was read (`text`, `jsonl`, `html`, `warc`, `feed`).
    pub format: String,
}

/// Article metadata. Every value records where it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<Field>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<Field>,
    /// ISO 8601 date or date-time, as found (normalised to ISO when the source was not).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<Field>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub byline: Option<Field>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site_name: Option<Field>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<Field>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<Field>,
}

/// A calendar date, the anchor for relative time expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ymd {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Ymd {
    /// Parses the leading `YYYY-MM-DD` of an ISO date or date-time.
    pub fn parse_iso_prefix(s: &str) -> Option<Ymd> {
        let s = s.trim();
        let b = s.as_bytes();
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let year = s.get(0..4)?.parse().ok()?;
        let month = s.get(5..7)?.parse().ok()?;
        let day = s.get(8..10)?.parse().ok()?;
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return None;
        }
        Some(Ymd { year, month, day })
    }
}

/// An article and every layer the pipeline has added to it.
#[derive(Debug, Clone, Default)]
pub struct Document {
    pub id: String,
    /// The analysed text. Never modified after construction.
    pub text: String,
    pub meta: Metadata,
    pub origin: Origin,

    // Text layer (added by `text::TextLayer`).
    pub paragraphs: Vec<Paragraph>,
    pub sentences: Vec<Sentence>,
    pub tokens: Vec<Token>,
    pub quote_regions: Vec<QuoteRegion>,

    // Analysis layers.
    pub entities: Vec<Entity>,
    pub times: Vec<Timex>,
    pub attributions: Vec<Attribution>,
}

impl Document {
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Self {
        Document { id: id.into(), text: text.into(), ..Default::default() }
    }

    /// The text a span covers.
    #[inline]
    pub fn slice(&self, span: Span) -> &str {
        span.text(&self.text)
    }

    /// The publication date, when the metadata has one.
    pub fn published_date(&self) -> Option<Ymd> {
        self.meta.published.as_ref().and_then(|f| Ymd::parse_iso_prefix(&f.value))
    }

    /// Index of the sentence containing byte `pos`, if any.
    pub fn sentence_at(&self, pos: usize) -> Option<usize> {
        let i = self.sentences.partition_point(|s| s.span.end <= pos);
        (i < self.sentences.len() && self.sentences[i].span.start <= pos).then_some(i)
    }

    /// Index of the paragraph containing byte `pos`, if any.
    pub fn paragraph_at(&self, pos: usize) -> Option<usize> {
        let i = self.paragraphs.partition_point(|p| p.span.end <= pos);
        (i < self.paragraphs.len() && self.paragraphs[i].span.start <= pos).then_some(i)
    }

    /// The tokens of a sentence.
    pub fn sentence_tokens(&self, sentence: usize) -> &[Token] {
        self.sentences.get(sentence).map(|s| &self.tokens[s.tokens.clone()]).unwrap_or(&[])
    }

    /// Index range of the tokens lying inside `span`.
    pub fn tokens_in(&self, span: Span) -> std::ops::Range<usize> {
        let a = self.tokens.partition_point(|t| t.span.start < span.start);
        let b = self.tokens.partition_point(|t| t.span.end <= span.end);
        a..b.max(a)
    }

    /// Every span held by every layer, for checks that all lie inside the text.
    pub fn all_spans(&self) -> Vec<Span> {
        let mut v = Vec::new();
        v.extend(self.paragraphs.iter().map(|p| p.span));
        v.extend(self.sentences.iter().map(|s| s.span));
        v.extend(self.tokens.iter().map(|t| t.span));
        for q in &self.quote_regions {
            v.push(q.open);
            v.extend(q.close);
            v.push(q.span);
        }
        for e in &self.entities {
            v.push(e.name);
            v.extend(e.mentions.iter().map(|m| m.span));
            for r in &e.roles {
                v.push(r.span);
            }
        }
        v.extend(self.times.iter().map(|t| t.span));
        for a in &self.attributions {
            v.extend(a.content.iter().copied());
            v.extend(a.cue);
            v.extend(a.source);
            v.extend(a.addressee);
            v.extend(a.hedges.iter().copied());
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ymd_parses_dates_and_datetimes() {
        assert_eq!(Ymd::parse_iso_prefix("2024-11-11"), Some(Ymd { year: 2024, month: 11, day: 11 }));
        assert_eq!(Ymd::parse_iso_prefix("2024-11-11T10:00:00Z").map(|d| d.day), Some(11));
        assert_eq!(Ymd::parse_iso_prefix("2024-13-11"), None);
        assert_eq!(Ymd::parse_iso_prefix("Nov 11"), None);
    }
}

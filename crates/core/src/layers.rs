//! The annotation layers. Each holds spans into `Document::text`.

use serde::{Deserialize, Serialize};

use crate::Span;

/// A paragraph: one line, or a block between blank lines, trimmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paragraph {
    pub span: Span,
}

/// A sentence, with the range of its tokens in `Document::tokens`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    pub span: Span,
    pub tokens: std::ops::Range<usize>,
    pub paragraph: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// Letters, possibly with inner apostrophes, hyphens or abbreviation dots (`NATO’s`, `U.S.`).
    Word,
    /// Digits with inner separators (`2,500`, `3.5`, `’90s` is a `Word`).
    Number,
    /// A quote mark (see `QuoteRegion` for how they pair).
    QuoteMark,
    /// Any other non-space character.
    Punct,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub span: Span,
    pub kind: TokenKind,
}

/// A quoted stretch of text: from an opening mark to its closing mark.
///
/// A quote that runs on into the next paragraph ends at its paragraph's end with `close: None`
/// and the next paragraph's region, which reopens it, has `continues` pointing back to it.
/// An opening mark that is never closed (and not continued) also ends at its paragraph with
/// `close: None`; `unbalanced` says so, and the rest of the article is unaffected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuoteRegion {
    pub open: Span,
    pub close: Option<Span>,
    /// From the start of the opening mark to the end of the closing mark (or the paragraph).
    pub span: Span,
    /// 0 for an outer quote, 1 for a quote inside it, and so on.
    pub depth: u8,
    /// Index of the region in the previous paragraph that this one continues.
    pub continues: Option<usize>,
    /// True when the region runs on into the next paragraph.
    pub runs_on: bool,
    pub unbalanced: bool,
}

impl QuoteRegion {
    /// The quoted text without its marks.
    pub fn inner(&self) -> Span {
        Span::new(self.open.end, self.close.map_or(self.span.end, |c| c.start))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EntityType {
    Person,
    Org,
    /// Countries, cities, states: places with a government.
    Gpe,
    /// Other places: regions, continents, bodies of water.
    Loc,
    /// Nationalities, religious and political groups.
    Norp,
    Event,
    Misc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MentionKind {
    /// A proper name ("Dmitry Peskov", "Peskov", "the Kremlin").
    Name,
    /// A description ("the Russian president", "the president-elect").
    Nominal,
    /// A pronoun ("he", "they").
    Pronoun,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mention {
    pub span: Span,
    pub kind: MentionKind,
}

/// A role or title given to an entity in the text ("Kremlin spokesman", "the chairman of
/// NATO’s Military Committee"), with the organisation it ties the entity to, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Role {
    pub span: Span,
    pub affiliation: Option<Span>,
}

/// One real-world thing mentioned in the article, with all its mentions.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    /// The canonical name: the longest proper name among the mentions, without titles or
    /// a leading article.
    pub name: Span,
    pub kind: EntityType,
    pub roles: Vec<Role>,
    pub mentions: Vec<Mention>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TimexType {
    Date,
    Time,
    Duration,
    Set,
}

/// A time expression with its TimeML TIMEX3 value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timex {
    pub span: Span,
    pub kind: TimexType,
    /// TIMEX3 value: `2024-11-07`, `2023`, `P3D`, `PRESENT_REF`, `XXXX-WXX-1`, ...
    pub value: String,
    /// TIMEX3 mod: `START`, `END`, `MID`, `APPROX`, `BEFORE`, `AFTER`, ...
    pub modifier: Option<String>,
    /// False when the value depends on an anchor the text does not give (no publication date).
    pub resolved: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuoteKind {
    /// The content is entirely inside quote marks.
    Direct,
    /// Reported speech without quote marks.
    Indirect,
    /// Reported speech with a quoted fragment.
    Mixed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Named,
    Pronoun,
    /// "sources familiar with the matter", "a senior official".
    Anonymous,
    /// "foreign affairs experts", "some Republicans".
    UnnamedGroup,
    /// "a new report", "the statement", "court filings".
    Document,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Polarity {
    /// The source says the content.
    #[default]
    Asserts,
    /// The source denies the content ("denied", "called it false").
    Denies,
    /// The source declined to comment; the content is what they would not speak about.
    Refuses,
}

/// Who said what: one attribution.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribution {
    pub kind: QuoteKind,
    /// One or more spans; a direct quote's span includes its quote marks.
    pub content: Vec<Span>,
    /// The reporting expression ("said", "told", "denied", "according to").
    pub cue: Option<Span>,
    /// The source as written in this attribution.
    pub source: Option<Span>,
    pub source_kind: SourceKind,
    /// Index into `Document::entities` of the resolved speaker.
    pub speaker: Option<usize>,
    /// Confidence in the speaker, 0..1.
    pub confidence: f32,
    /// To whom or where it was said ("reporters", "The Independent").
    pub addressee: Option<Span>,
    /// Hedges that mark the content as relayed or unconfirmed ("reportedly", "allegedly").
    pub hedges: Vec<Span>,
    pub polarity: Polarity,
    /// Index into `Document::times` of the time the sentence gives for the statement.
    pub time: Option<usize>,
}

impl Attribution {
    /// The span from the first content start to the last content end.
    pub fn content_cover(&self) -> Option<Span> {
        let first = self.content.first()?;
        Some(self.content.iter().fold(*first, |acc, s| acc.cover(*s)))
    }
}

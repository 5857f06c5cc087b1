//! Paged read queries for browsing a ledger (the HTTP API and web pages of `onrecord serve` call
//! these). Offsets are code points, as stored; every list takes a [`Page`] and reports its total
//! so clients can page. The CLI's unpaged queries are in [`crate::query`].

use crate::query::{
    fts_floor, fts_query, quote_count_sql, quote_page_sql, quote_row, RANKED_MATCHES,
};
use crate::Ledger;
use rusqlite::types::Value;
use rusqlite::{params_from_iter, OptionalExtension, Row};
use serde::Serialize;

/// Page size when none is asked for, and the most one request may ask for.
pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 200;

#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub limit: usize,
    pub offset: usize,
}

impl Default for Page {
    fn default() -> Self {
        Page {
            limit: DEFAULT_LIMIT,
            offset: 0,
        }
    }
}

/// One page of a list, with what a client needs to fetch the next.
#[derive(Debug, Serialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub limit: usize,
    pub offset: usize,
    pub next_offset: Option<usize>,
}

impl<T> Paged<T> {
    fn new(items: Vec<T>, total: i64, page: Page) -> Self {
        let next = page.offset + items.len();
        let next_offset = (!items.is_empty() && (next as i64) < total).then_some(next);
        Paged {
            items,
            total,
            limit: page.limit,
            offset: page.offset,
            next_offset,
        }
    }
}

type R<T> = crate::error::Result<T>;

fn collect<T>(rows: impl Iterator<Item = rusqlite::Result<T>>) -> R<Vec<T>> {
    Ok(rows.collect::<rusqlite::Result<Vec<T>>>()?)
}

// ---------------------------------------------------------------------------------------------
// Articles

#[derive(Debug, Clone, Serialize)]
pub struct ArticleRow {
    pub id: i64,
    pub doc_id: String,
    pub title: Option<String>,
    pub outlet: Option<String>,
    pub published: Option<String>,
    pub url: Option<String>,
    pub quotes: i64,
    /// The earliest copy when this article is a copy of another (its doc id), and how.
    pub copy_of: Option<String>,
    pub copy_kind: Option<String>,
}

const ARTICLE_SELECT: &str = "SELECT a.id, a.doc_id, a.title, coalesce(a.publisher, a.site_name), a.published, a.url,
    (SELECT count(*) FROM attributions q WHERE q.article = a.id),
    (SELECT r.doc_id FROM copies c JOIN articles r ON r.id = c.root WHERE c.article = a.id AND c.kind != 'original'),
    (SELECT c.kind FROM copies c WHERE c.article = a.id AND c.kind != 'original')
    FROM articles a";

fn article_row(r: &Row) -> rusqlite::Result<ArticleRow> {
    Ok(ArticleRow {
        id: r.get(0)?,
        doc_id: r.get(1)?,
        title: r.get(2)?,
        outlet: r.get(3)?,
        published: r.get(4)?,
        url: r.get(5)?,
        quotes: r.get(6)?,
        copy_of: r.get(7)?,
        copy_kind: r.get(8)?,
    })
}

/// Articles, newest first.
pub fn articles(l: &Ledger, outlet: Option<&str>, page: Page) -> R<Paged<ArticleRow>> {
    let (cond, args): (&str, Vec<Value>) = match outlet {
        Some(o) => (
            "WHERE a.publisher LIKE ?1 OR a.site_name LIKE ?1 OR a.url LIKE ?1",
            vec![Value::Text(format!("%{o}%"))],
        ),
        None => ("", vec![]),
    };
    let total: i64 = l.conn().query_row(
        &format!("SELECT count(*) FROM articles a {cond}"),
        params_from_iter(args.iter()),
        |r| r.get(0),
    )?;
    let sql = format!("{ARTICLE_SELECT} {cond} ORDER BY a.published IS NULL, a.published DESC, a.id DESC LIMIT {} OFFSET {}", page.limit, page.offset);
    let mut st = l.conn().prepare(&sql)?;
    let items = collect(st.query_map(params_from_iter(args.iter()), article_row)?)?;
    Ok(Paged::new(items, total, page))
}

#[derive(Debug, Clone, Serialize)]
pub struct EntityOut {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub agent: Option<i64>,
    pub roles: serde_json::Value,
    pub mentions: Vec<MentionOut>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MentionOut {
    pub start: usize,
    pub end: usize,
    pub kind: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TimeOut {
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub kind: String,
    pub value: String,
    pub modifier: Option<String>,
    pub resolved: bool,
}

/// A text span of an attribution (cue, source, addressee, hedge).
#[derive(Debug, Clone, Serialize)]
pub struct SpanText {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// An attribution with every offset, for the article view.
#[derive(Debug, Clone, Serialize)]
pub struct AttributionOut {
    pub id: i64,
    pub kind: String,
    pub content: String,
    pub content_spans: Vec<[usize; 2]>,
    pub cue: Option<SpanText>,
    pub source: Option<SpanText>,
    pub source_kind: String,
    pub addressee: Option<SpanText>,
    pub speaker: Option<String>,
    pub agent: Option<i64>,
    pub hedges: Vec<SpanText>,
    pub polarity: String,
    pub stance: String,
    pub time: Option<String>,
    pub claim: Option<i64>,
    pub denies: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArticleDetail {
    #[serde(flatten)]
    pub article: ArticleRow,
    pub byline: Option<String>,
    pub language: Option<String>,
    pub text: String,
    pub sentences: Vec<[usize; 2]>,
    pub entities: Vec<EntityOut>,
    pub times: Vec<TimeOut>,
    pub attributions: Vec<AttributionOut>,
}

fn span(t: Option<String>, s: Option<i64>, e: Option<i64>) -> Option<SpanText> {
    match (t, s, e) {
        (Some(text), Some(s), Some(e)) if s >= 0 && e >= s => Some(SpanText {
            text,
            start: s as usize,
            end: e as usize,
        }),
        _ => None,
    }
}

fn usize_of(v: i64) -> usize {
    v.max(0) as usize
}

/// One article with all its layers, or None.
pub fn article(l: &Ledger, id: i64) -> R<Option<ArticleDetail>> {
    let c = l.conn();
    let Some(article) = c
        .query_row(
            &format!("{ARTICLE_SELECT} WHERE a.id = ?1"),
            [id],
            article_row,
        )
        .optional()?
    else {
        return Ok(None);
    };
    let (text, byline, language): (String, Option<String>, Option<String>) = c.query_row(
        "SELECT text, byline, language FROM articles WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let mut st = c.prepare("SELECT start, end FROM sentences WHERE article = ?1 ORDER BY idx")?;
    let sentences =
        collect(st.query_map([id], |r| Ok([usize_of(r.get(0)?), usize_of(r.get(1)?)]))?)?;
    let mut st = c.prepare(
        "SELECT id, name, kind, agent, roles, mentions FROM entities WHERE article = ?1 ORDER BY idx",
    )?;
    let entities = collect(st.query_map([id], |r| {
        let roles: String = r.get(4)?;
        let mentions: String = r.get(5)?;
        Ok(EntityOut {
            id: r.get(0)?,
            name: r.get(1)?,
            kind: r.get(2)?,
            agent: r.get(3)?,
            roles: serde_json::from_str(&roles).unwrap_or_default(),
            mentions: parse_mentions(&mentions),
        })
    })?)?;
    let mut st = c.prepare("SELECT start, end, text, kind, value, modifier, resolved FROM times WHERE article = ?1 ORDER BY idx")?;
    let times = collect(st.query_map([id], |r| {
        Ok(TimeOut {
            start: usize_of(r.get(0)?),
            end: usize_of(r.get(1)?),
            text: r.get(2)?,
            kind: r.get(3)?,
            value: r.get(4)?,
            modifier: r.get(5)?,
            resolved: r.get(6)?,
        })
    })?)?;
    let mut st = c.prepare(
        "SELECT q.id, q.kind, q.content, q.content_spans, q.cue, q.cue_start, q.cue_end, q.source, q.source_start, q.source_end, q.source_kind,
         q.addressee, q.addressee_start, q.addressee_end, coalesce(g.name, q.speaker, q.source), q.agent, q.hedges, q.polarity, q.stance,
         q.time_value, q.claim, q.target
         FROM attributions q LEFT JOIN agents g ON g.id = q.agent WHERE q.article = ?1 ORDER BY q.idx",
    )?;
    let attributions = collect(st.query_map([id], |r| {
        let spans: String = r.get(3)?;
        let hedges: String = r.get(16)?;
        Ok(AttributionOut {
            id: r.get(0)?,
            kind: r.get(1)?,
            content: r.get(2)?,
            content_spans: serde_json::from_str(&spans).unwrap_or_default(),
            cue: span(r.get(4)?, r.get(5)?, r.get(6)?),
            source: span(r.get(7)?, r.get(8)?, r.get(9)?),
            source_kind: r.get(10)?,
            addressee: span(r.get(11)?, r.get(12)?, r.get(13)?),
            speaker: r.get(14)?,
            agent: r.get(15)?,
            hedges: parse_hedges(&hedges),
            polarity: r.get(17)?,
            stance: r.get(18)?,
            time: r.get(19)?,
            claim: r.get(20)?,
            denies: r.get(21)?,
        })
    })?)?;
    Ok(Some(ArticleDetail {
        article,
        byline,
        language,
        text,
        sentences,
        entities,
        times,
        attributions,
    }))
}

/// An entity's stored mentions (`[[start, end, kind, text], ...]`), already in start order
/// (`prepare` and the v7 migration write them sorted).
fn parse_mentions(json: &str) -> Vec<MentionOut> {
    let rows: Vec<(i64, i64, String, String)> = serde_json::from_str(json).unwrap_or_default();
    rows.into_iter()
        .map(|(start, end, kind, text)| MentionOut {
            start: usize_of(start),
            end: usize_of(end),
            kind,
            text,
        })
        .collect()
}

fn parse_hedges(json: &str) -> Vec<SpanText> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| {
            Some(SpanText {
                text: h.get("text")?.as_str()?.to_string(),
                start: h.get("start")?.as_u64()? as usize,
                end: h.get("end")?.as_u64()? as usize,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Quotes

/// One attribution with its article, as lists show it: the same row the CLI and exports read.
pub type QuoteOut = crate::query::QuoteRow;

pub use crate::query::QuoteQuery;

/// Quotes matching `f`, oldest article first, in text order.
pub fn quotes(l: &Ledger, f: &QuoteQuery, page: Page) -> R<Paged<QuoteOut>> {
    let (count, args) = quote_count_sql(f);
    let total: i64 = l
        .conn()
        .query_row(&count, params_from_iter(args.iter()), |r| r.get(0))?;
    let (sql, args) = quote_page_sql(f, Some(page.limit), page.offset);
    let mut st = l.conn().prepare(&sql)?;
    let items = collect(st.query_map(params_from_iter(args.iter()), quote_row)?)?;
    Ok(Paged::new(items, total, page))
}

/// The sentence(s) around a quote's content, at most `max` characters, with the content's
/// offsets inside the returned text (code points), for showing a quote in context.
pub fn context(l: &Ledger, q: &QuoteOut, max: usize) -> R<(String, Vec<[usize; 2]>)> {
    let (Some(first), Some(last)) = (q.content_spans.first(), q.content_spans.last()) else {
        return Ok((q.content.clone(), vec![]));
    };
    let (s, e) = (first[0] as i64, last[1] as i64);
    let c = l.conn();
    let start: i64 = c
        .query_row("SELECT start FROM sentences WHERE article = ?1 AND start <= ?2 ORDER BY start DESC LIMIT 1", [q.article_id, s], |r| r.get(0))
        .optional()?
        .unwrap_or(s);
    let end: i64 = c
        .query_row(
            "SELECT end FROM sentences WHERE article = ?1 AND end >= ?2 ORDER BY end LIMIT 1",
            [q.article_id, e],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(e);
    let (mut start, mut end) = (start.max(0) as usize, end.max(0) as usize);
    // Long sentences are cut around the content.
    if end.saturating_sub(start) > max {
        start = start.max((first[0]).saturating_sub(max / 4));
        end = end.min(start + max).max(last[1].min(start + max));
    }
    let text: String = c.query_row(
        "SELECT text FROM articles WHERE id = ?1",
        [q.article_id],
        |r| r.get(0),
    )?;
    let ctx: String = text
        .chars()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect();
    let spans = q
        .content_spans
        .iter()
        .filter(|sp| sp[0] >= start && sp[1] <= end && sp[0] <= sp[1])
        .map(|sp| [sp[0] - start, sp[1] - start])
        .collect();
    Ok((ctx, spans))
}

// ---------------------------------------------------------------------------------------------
// Speakers

#[derive(Debug, Clone, Serialize)]
pub struct SpeakerOut {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub roles: Vec<String>,
    pub quotes: i64,
    pub articles: i64,
    pub first: Option<String>,
    pub last: Option<String>,
}

/// Counts are kept on the agent row by linking, so listing speakers reads no attributions.
const SPEAKER_SELECT: &str = "SELECT g.id, g.name, g.kind, g.roles, g.quotes, g.articles, g.first_seen, g.last_seen FROM agents g";

fn speaker_row(r: &Row) -> rusqlite::Result<SpeakerOut> {
    let roles: String = r.get(3)?;
    Ok(SpeakerOut {
        id: r.get(0)?,
        name: r.get(1)?,
        kind: r.get(2)?,
        roles: serde_json::from_str(&roles).unwrap_or_default(),
        quotes: r.get(4)?,
        articles: r.get(5)?,
        first: r.get(6)?,
        last: r.get(7)?,
    })
}

/// Speakers with at least one quote, most quoted first; `name` filters by part of the name.
pub fn speakers(l: &Ledger, name: Option<&str>, page: Page) -> R<Paged<SpeakerOut>> {
    let (cond, args): (&str, Vec<Value>) = match name {
        Some(n) => (
            "WHERE g.quotes > 0 AND g.name LIKE ?1",
            vec![Value::Text(format!("%{n}%"))],
        ),
        None => ("WHERE g.quotes > 0", vec![]),
    };
    let total: i64 = l.conn().query_row(
        &format!("SELECT count(*) FROM agents g {cond}"),
        params_from_iter(args.iter()),
        |r| r.get(0),
    )?;
    let sql = format!(
        "{SPEAKER_SELECT} {cond} ORDER BY g.quotes DESC, g.name LIMIT {} OFFSET {}",
        page.limit, page.offset
    );
    let mut st = l.conn().prepare(&sql)?;
    let items = collect(st.query_map(params_from_iter(args.iter()), speaker_row)?)?;
    Ok(Paged::new(items, total, page))
}

pub fn speaker(l: &Ledger, id: i64) -> R<Option<SpeakerOut>> {
    Ok(l.conn()
        .query_row(
            &format!("{SPEAKER_SELECT} WHERE g.id = ?1 AND g.quotes > 0"),
            [id],
            speaker_row,
        )
        .optional()?)
}

/// The outlets a speaker was quoted in, with counts, most first.
pub fn speaker_outlets(l: &Ledger, id: i64) -> R<Vec<(String, i64)>> {
    let mut st = l.conn().prepare(
        "SELECT coalesce(a.publisher, a.site_name, '(unknown outlet)'), count(*)
         FROM (SELECT article FROM speaker_quotes WHERE agent = ?1 UNION ALL SELECT article FROM speaker_quotes_recent WHERE agent = ?1) s
         JOIN articles a ON a.id = s.article GROUP BY 1 ORDER BY 2 DESC, 1",
    )?;
    let rows = st.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    collect(rows)
}

// ---------------------------------------------------------------------------------------------
// Claims

/// A claim cluster as lists show it: the same row as the CLI's [`crate::query::ClaimRow`].
pub type ClaimOut = crate::query::ClaimRow;
use crate::query::{claim_row, CLAIM_SELECT};

/// Claim clusters with more than one attribution (or disputed ones only), biggest first.
pub fn claims(l: &Ledger, disputed_only: bool, page: Page) -> R<Paged<ClaimOut>> {
    // A disputed claim has an assertion and a denial, so size > 1 takes in every disputed one;
    // each condition matches a partial index whose order is the list's.
    let (cond, order) = if disputed_only {
        ("WHERE disputed", "articles DESC, size DESC, id")
    } else {
        (
            "WHERE size > 1",
            "disputed DESC, articles DESC, size DESC, id",
        )
    };
    let total: i64 =
        l.conn()
            .query_row(&format!("SELECT count(*) FROM claims {cond}"), [], |r| {
                r.get(0)
            })?;
    let sql = format!(
        "{CLAIM_SELECT} {cond} ORDER BY {order} LIMIT {} OFFSET {}",
        page.limit, page.offset
    );
    let mut st = l.conn().prepare(&sql)?;
    let items = collect(st.query_map([], claim_row)?)?;
    Ok(Paged::new(items, total, page))
}

pub fn claim(l: &Ledger, id: i64) -> R<Option<ClaimOut>> {
    Ok(l.conn()
        .query_row(&format!("{CLAIM_SELECT} WHERE id = ?1"), [id], claim_row)
        .optional()?)
}

// ---------------------------------------------------------------------------------------------
// Search

#[derive(Debug, Clone, Serialize)]
pub struct HitOut {
    /// `quote` or `article`.
    pub kind: &'static str,
    /// The quote's or the article's id.
    pub id: i64,
    pub article_id: i64,
    pub article: String,
    pub title: Option<String>,
    /// Matching text with the matched words between U+0002 and U+0003 (the API turns them
    /// into `[`…`]` unless asked for the raw form).
    pub snippet: String,
    pub speaker: Option<String>,
    pub agent: Option<i64>,
}

/// Marks around matched words in snippets: control characters that never occur in stored text,
/// so escaping for HTML and highlighting cannot be confused by brackets in an article.
pub const HIT_OPEN: char = '\u{2}';
pub const HIT_CLOSE: char = '\u{3}';

/// Full-text search over quotes and then articles; `page` applies to each kind. Each kind is
/// ranked among its newest [`RANKED_MATCHES`] matches (or more when the page reaches further).
pub fn search(l: &Ledger, text: &str, page: Page) -> R<Vec<HitOut>> {
    let q = fts_query(text);
    if q.is_empty() {
        return Ok(vec![]);
    }
    let c = l.conn();
    let mut hits = vec![];
    let mut st = c.prepare(
        "SELECT q.id, a.id, a.doc_id, a.title, snippet(quotes_fts, 0, char(2), char(3), '…', 24), coalesce(g.name, q.speaker, q.source), q.agent
         FROM quotes_fts JOIN attributions q ON q.id = quotes_fts.rowid JOIN articles a ON a.id = q.article
         LEFT JOIN agents g ON g.id = q.agent WHERE quotes_fts MATCH ?1 AND quotes_fts.rowid >= ?4 ORDER BY rank LIMIT ?2 OFFSET ?3",
    )?;
    let cap = RANKED_MATCHES.max(page.offset + page.limit);
    let rows = st.query_map(
        rusqlite::params![
            q,
            page.limit as i64,
            page.offset as i64,
            fts_floor(c, "quotes_fts", &q, cap)?
        ],
        |r| {
            Ok(HitOut {
                kind: "quote",
                id: r.get(0)?,
                article_id: r.get(1)?,
                article: r.get(2)?,
                title: r.get(3)?,
                snippet: r.get(4)?,
                speaker: r.get(5)?,
                agent: r.get(6)?,
            })
        },
    )?;
    hits.extend(collect(rows)?);
    let mut st = c.prepare(
        "SELECT a.id, a.doc_id, a.title, snippet(articles_fts, 1, char(2), char(3), '…', 24) FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
         WHERE articles_fts MATCH ?1 AND articles_fts.rowid >= ?4 ORDER BY rank LIMIT ?2 OFFSET ?3",
    )?;
    let rows = st.query_map(
        rusqlite::params![
            q,
            page.limit as i64,
            page.offset as i64,
            fts_floor(c, "articles_fts", &q, cap)?
        ],
        |r| {
            Ok(HitOut {
                kind: "article",
                id: r.get(0)?,
                article_id: r.get(0)?,
                article: r.get(1)?,
                title: r.get(2)?,
                snippet: r.get(3)?,
                speaker: None,
                agent: None,
            })
        },
    )?;
    hits.extend(collect(rows)?);
    Ok(hits)
}

/// Table counts for the overview.
pub fn counts(l: &Ledger) -> R<Vec<(&'static str, i64)>> {
    let mut v = l.counts()?;
    let disputed: i64 =
        l.conn()
            .query_row("SELECT count(*) FROM claims WHERE disputed", [], |r| {
                r.get(0)
            })?;
    v.push(("disputed", disputed));
    Ok(v)
}

//! Reading the ledger: quotes, speakers, claims, claim timelines, full-text search.

use rusqlite::{params_from_iter, types::Value, Row};
use serde::Serialize;

use crate::error::Result;
use crate::Ledger;

/// One attribution with its article and cross-article links, as the CLI, the exports and the
/// HTTP API show it. Offsets are code points.
#[derive(Debug, Clone, Serialize)]
pub struct QuoteRow {
    pub id: i64,
    /// The article's row id (links in the web UI).
    pub article_id: i64,
    /// The article's document id.
    pub article: String,
    pub title: Option<String>,
    pub outlet: Option<String>,
    pub published: Option<String>,
    pub url: Option<String>,
    pub kind: String,
    /// The resolved speaker across articles, else the speaker in the article, else the source.
    pub speaker: Option<String>,
    pub agent: Option<i64>,
    pub source: Option<String>,
    pub source_kind: String,
    pub cue: Option<String>,
    pub addressee: Option<String>,
    pub content: String,
    pub content_spans: Vec<[usize; 2]>,
    pub hedges: Vec<String>,
    pub polarity: String,
    pub stance: String,
    pub time: Option<String>,
    pub claim: Option<i64>,
    /// The attribution a denial denies.
    pub denies: Option<i64>,
    /// The earliest copy when this article is a copy of another.
    pub copy_of: Option<String>,
}

/// The columns [`quote_row`] reads, and the tables they come from (apart, so that a count can
/// share the FROM clause).
pub(crate) const QUOTE_COLUMNS: &str = "SELECT q.id, a.id, a.doc_id, a.title, coalesce(a.publisher, a.site_name), a.published, a.url,
    q.kind, coalesce(g.name, q.speaker, q.source), q.agent, q.source, q.source_kind, q.cue, q.addressee, q.content,
    q.content_spans, q.hedges, q.polarity, q.stance, q.time_value, q.claim, q.target,
    (SELECT r.doc_id FROM copies c JOIN articles r ON r.id = c.root WHERE c.article = a.id AND c.kind != 'original')";
pub(crate) const QUOTE_FROM: &str =
    " FROM attributions q JOIN articles a ON a.id = q.article LEFT JOIN agents g ON g.id = q.agent";

pub(crate) fn quote_row(r: &Row) -> rusqlite::Result<QuoteRow> {
    let spans: String = r.get(15)?;
    let hedges: String = r.get(16)?;
    let hedges: serde_json::Value = serde_json::from_str(&hedges).unwrap_or_default();
    Ok(QuoteRow {
        id: r.get(0)?,
        article_id: r.get(1)?,
        article: r.get(2)?,
        title: r.get(3)?,
        outlet: r.get(4)?,
        published: r.get(5)?,
        url: r.get(6)?,
        kind: r.get(7)?,
        speaker: r.get(8)?,
        agent: r.get(9)?,
        source: r.get(10)?,
        source_kind: r.get(11)?,
        cue: r.get(12)?,
        addressee: r.get(13)?,
        content: r.get(14)?,
        content_spans: serde_json::from_str(&spans).unwrap_or_default(),
        hedges: hedges
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|h| h.get("text")?.as_str().map(str::to_string))
            .collect(),
        polarity: r.get(17)?,
        stance: r.get(18)?,
        time: r.get(19)?,
        claim: r.get(20)?,
        denies: r.get(21)?,
        copy_of: r.get(22)?,
    })
}

/// Filters on quotes; all are optional and combine with AND. Values are validated by the caller.
#[derive(Debug, Clone, Default)]
pub struct QuoteQuery {
    pub speaker: Option<String>,
    pub agent: Option<i64>,
    pub outlet: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub text: Option<String>,
    pub kind: Option<String>,
    pub source_kind: Option<String>,
    pub stance: Option<String>,
    pub claim: Option<i64>,
    pub article: Option<i64>,
}

/// Which quotes a speaker filter selects. The two parts are disjoint, so a page is the merge of
/// the first rows of each (both read in date order from indexes) and a count is their sum.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum SpeakerPart {
    /// Either part.
    Both,
    /// Quotes of resolved speakers whose name contains the text.
    Agents,
    /// Quotes without a resolved speaker whose source or speaker holds every word of the text.
    Unresolved,
}

/// Where the rows of one part of a quote filter come from. A filter on resolved speakers reads
/// `speaker_quotes s` (each speaker's quotes in date order, kept by linking in two levels,
/// [`crate::levels::SPEAKER_QUOTES`], each read as `s`), so the first page of the most quoted
/// speaker is the merge of a range of each level; it joins `attributions q` only when a
/// condition needs a column that table lacks.
struct Rows {
    /// Read through `speaker_quotes s`.
    by_speaker: bool,
    /// `attributions q` is in the FROM clause.
    with_quotes: bool,
}

impl Rows {
    fn of(f: &QuoteQuery, part: SpeakerPart) -> Rows {
        let by_speaker = match part {
            SpeakerPart::Agents => true,
            SpeakerPart::Both => f.agent.is_some() && f.speaker.is_none(),
            SpeakerPart::Unresolved => false,
        };
        let needs_quote_columns = f.kind.is_some() || f.source_kind.is_some() || f.stance.is_some();
        Rows { by_speaker, with_quotes: !by_speaker || needs_quote_columns }
    }

    /// The table whose id, agent, published, article and idx the conditions read.
    fn key(&self) -> &'static str {
        if self.by_speaker {
            "s"
        } else {
            "q"
        }
    }

    /// The FROM clause, reading the level `level` of `speaker_quotes` when by speaker (the
    /// articles only for the outlet filter: dates are on the quote rows).
    fn from(&self, f: &QuoteQuery, level: &str) -> String {
        let mut from = match (self.by_speaker, self.with_quotes) {
            (false, _) => " FROM attributions q".to_string(),
            (true, false) => format!(" FROM {level} s"),
            (true, true) => format!(" FROM {level} s JOIN attributions q ON q.id = s.id"),
        };
        if f.outlet.is_some() {
            from += &format!(" JOIN articles a ON a.id = {}.article", self.key());
        }
        from
    }

    /// The columns each row is selected with for a page: the id and the [`QUOTE_ORDER`] keys
    /// (k1..k4) of the quotes; a speaker level's own key columns, which [`Rows::first`] merges.
    fn keys(&self) -> &'static str {
        if self.by_speaker {
            "SELECT s.id AS id, s.undated AS undated, s.published AS published, s.article AS article, s.idx AS idx"
        } else {
            "SELECT q.id, q.published IS NULL AS k1, q.published AS k2, q.article AS k3, q.idx AS k4"
        }
    }

    /// The id and the keys k1..k4 of the rows of `arms` (SELECTs of [`Rows::keys`], one per
    /// table read) in [`QUOTE_ORDER`], with `tail` (LIMIT, OFFSET). The levels of a speaker's
    /// quotes are one compound SELECT ordered by their key columns, which SQLite answers by
    /// merging the two index ranges (a view of both would be sorted whole).
    fn first(&self, arms: &[String], tail: &str) -> String {
        if self.by_speaker {
            format!(
                "SELECT id, undated AS k1, CASE WHEN undated THEN NULL ELSE published END AS k2, article AS k3, idx AS k4 FROM ({} ORDER BY 2, 3, 4, 5{tail})",
                arms.join(" UNION ALL ")
            )
        } else {
            format!("SELECT * FROM ({}{QUOTE_ORDER}{tail})", arms[0])
        }
    }
}

/// The levels of `speaker_quotes` a part read by speaker reads.
const SPEAKER_LEVELS: [&str; 2] = [crate::levels::SPEAKER_QUOTES.main, crate::levels::SPEAKER_QUOTES.recent];

/// The WHERE clause for `part` of the speaker filter, its arguments appended to `args` (numbered
/// after those already there, so that clauses can share one statement), over the tables of
/// `rows`.
fn quote_where_part(f: &QuoteQuery, part: SpeakerPart, rows: &Rows, args: &mut Vec<Value>) -> String {
    let mut cond = String::from(" WHERE 1=1");
    let push = |args: &mut Vec<Value>, v: Value| {
        args.push(v);
        args.len()
    };
    let k = rows.key();
    if let Some(s) = &f.speaker {
        let agents = |args: &mut Vec<Value>| {
            let n = push(args, Value::Text(format!("%{s}%")));
            format!("{k}.agent IN (SELECT id FROM agents WHERE name LIKE ?{n})")
        };
        // `+q.agent`: no index on it (a walk of every unresolved quote); the matches are few.
        let unresolved = |args: &mut Vec<Value>| {
            let n = push(args, Value::Text(speaker_match(s)));
            format!("+q.agent IS NULL AND q.id IN (SELECT rowid FROM unresolved_fts WHERE unresolved_fts MATCH ?{n})")
        };
        match part {
            SpeakerPart::Both => {
                let (a, u) = (agents(args), unresolved(args));
                cond += &format!(" AND ({a} OR ({u}))");
            }
            SpeakerPart::Agents => cond += &format!(" AND {}", agents(args)),
            SpeakerPart::Unresolved => cond += &format!(" AND {}", unresolved(args)),
        }
    }
    if let Some(a) = f.agent {
        let n = push(args, Value::Integer(a));
        cond += &format!(" AND {k}.agent = ?{n}");
    }
    if let Some(s) = &f.outlet {
        let n = push(args, Value::Text(format!("%{s}%")));
        cond +=
            &format!(" AND (a.publisher LIKE ?{n} OR a.site_name LIKE ?{n} OR a.url LIKE ?{n})");
    }
    // No date bound holds for an undated quote: its date is NULL in `attributions` (so the
    // comparison is), '' in `speaker_quotes` (which `undated` excludes).
    let dated = if rows.by_speaker { " AND s.undated = 0" } else { "" };
    if let Some(s) = &f.since {
        let n = push(args, Value::Text(s.clone()));
        cond += &format!("{dated} AND substr({k}.published, 1, length(?{n})) >= ?{n}");
    }
    if let Some(s) = &f.until {
        let n = push(args, Value::Text(s.clone()));
        cond += &format!("{dated} AND substr({k}.published, 1, length(?{n})) <= ?{n}");
    }
    if let Some(t) = &f.text {
        let q = fts_query(t);
        if !q.is_empty() {
            let n = push(args, Value::Text(q));
            cond +=
                &format!(" AND {k}.id IN (SELECT rowid FROM quotes_fts WHERE quotes_fts MATCH ?{n})");
        }
    }
    for (col, v) in [
        ("q.kind", &f.kind),
        ("q.source_kind", &f.source_kind),
        ("q.stance", &f.stance),
    ] {
        if let Some(v) = v {
            let n = push(args, Value::Text(v.clone()));
            cond += &format!(" AND {col} = ?{n}");
        }
    }
    // A claim's quotes are read from its members (both levels, crate::levels::CLAIM_MEMBERS):
    // the quotes' own claim column has no index.
    if let Some(c) = f.claim {
        let n = push(args, Value::Integer(c));
        cond += &format!(" AND {k}.id IN (SELECT id FROM claim_members_all WHERE claim = ?{n})");
    }
    if let Some(a) = f.article {
        let n = push(args, Value::Integer(a));
        cond += &format!(" AND {k}.article = ?{n}");
    }
    cond
}

/// Oldest article first, in text order: the order of `speaker_quotes` after its agent, so one
/// speaker's page is a range of that table.
pub(crate) const QUOTE_ORDER: &str = " ORDER BY q.published IS NULL, q.published, q.article, q.idx";

/// One part's rows as a SELECT of `what` (with FROM and WHERE) per table the part reads (the
/// quotes, or each level of `speaker_quotes`), all with one WHERE clause, its arguments appended
/// to `args`.
fn part_sql(f: &QuoteQuery, part: SpeakerPart, what: impl Fn(&Rows) -> String, args: &mut Vec<Value>) -> (Vec<String>, Rows) {
    let rows = Rows::of(f, part);
    let cond = quote_where_part(f, part, &rows, args);
    let levels: &[&str] = if rows.by_speaker { &SPEAKER_LEVELS } else { &[""] };
    (levels.iter().map(|level| format!("{}{}{cond}", what(&rows), rows.from(f, level))).collect(), rows)
}

/// The SQL and arguments that count the quotes matching `f`.
pub(crate) fn quote_count_sql(f: &QuoteQuery) -> (String, Vec<Value>) {
    let mut args = vec![];
    let count = |_: &Rows| "SELECT count(*)".to_string();
    let mut counts = vec![];
    if f.speaker.is_none() {
        counts.extend(part_sql(f, SpeakerPart::Both, count, &mut args).0);
    } else {
        counts.extend(part_sql(f, SpeakerPart::Agents, count, &mut args).0);
        counts.extend(part_sql(f, SpeakerPart::Unresolved, count, &mut args).0);
    }
    let sum: Vec<String> = counts.iter().map(|c| format!("({c})")).collect();
    (format!("SELECT {}", sum.join(" + ")), args)
}

/// The SQL and arguments for the quotes matching `f`, in [`QUOTE_ORDER`], one page when `limit`
/// is given. A page is chosen first on the attribution rows alone (ids, dates and positions,
/// from indexes), and only its rows are joined with their articles, agents and copies; with a
/// speaker filter, it is the merge of the first `offset + limit` rows of each [`SpeakerPart`].
pub(crate) fn quote_page_sql(
    f: &QuoteQuery,
    limit: Option<usize>,
    offset: usize,
) -> (String, Vec<Value>) {
    let mut args = vec![];
    let Some(l) = limit else {
        // Every match: read from the quotes themselves (the speaker filter's two halves in one).
        let rows = Rows { by_speaker: false, with_quotes: true };
        let cond = quote_where_part(f, SpeakerPart::Both, &rows, &mut args);
        return (
            format!("{QUOTE_COLUMNS}{QUOTE_FROM}{cond}{QUOTE_ORDER}"),
            args,
        );
    };
    let page = if f.speaker.is_none() {
        let (arms, rows) = part_sql(f, SpeakerPart::Both, |r| r.keys().to_string(), &mut args);
        format!("SELECT id FROM ({})", rows.first(&arms, &format!(" LIMIT {l} OFFSET {offset}")))
    } else {
        let k = format!(" LIMIT {}", l + offset);
        let (a, ra) = part_sql(f, SpeakerPart::Agents, |r| r.keys().to_string(), &mut args);
        let (u, ru) = part_sql(f, SpeakerPart::Unresolved, |r| r.keys().to_string(), &mut args);
        format!("SELECT id FROM ({} UNION ALL {}) ORDER BY k1, k2, k3, k4 LIMIT {l} OFFSET {offset}", ra.first(&a, &k), ru.first(&u, &k))
    };
    (
        format!("{QUOTE_COLUMNS}{QUOTE_FROM} WHERE q.id IN ({page}){QUOTE_ORDER}"),
        args,
    )
}

/// Filters for [`Ledger::quotes`]. Dates compare with the article's publication date prefix.
#[derive(Debug, Clone, Default)]
pub struct QuoteFilter {
    /// Matches the resolved speaker's name, the speaker in the article, or the source text.
    pub speaker: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    /// Matches publisher, site name or URL.
    pub outlet: Option<String>,
    /// direct | indirect | mixed
    pub kind: Option<String>,
    pub claim: Option<i64>,
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SpeakerRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub roles: Vec<String>,
    pub quotes: i64,
    pub articles: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClaimRow {
    pub id: i64,
    pub label: String,
    pub size: i64,
    pub articles: i64,
    pub asserts: i64,
    pub reports: i64,
    pub denies: i64,
    pub questions: i64,
    pub disputed: bool,
    pub first_seen: Option<String>,
}

/// A claim and everyone who took a stance on it, in time order.
#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    pub claim: ClaimRow,
    pub entries: Vec<QuoteRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    /// `quote` or `article`.
    pub kind: &'static str,
    pub id: i64,
    pub article: String,
    pub snippet: String,
    pub speaker: Option<String>,
}

/// Quotes a user's words for FTS5 so that operators in them are taken literally.
pub fn fts_query(text: &str) -> String {
    text.split_whitespace()
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Full-text matches are ranked (bm25) among at most this many of the newest matches (highest
/// row ids: last stored first). Ranking every match of a very common word took ~400 ms on a
/// 100,000-article ledger; with the cap, a word found in more places than this gives the best
/// of its newest matches, and older matches are reached by adding words (or by dates).
pub const RANKED_MATCHES: usize = 2000;

/// The lowest row id among the newest `cap` matches of `q` in the FTS5 table `table` (a cheap
/// walk of the match list in row id order, no ranking), or 0 when fewer match: a bound
/// (`rowid >= floor`) that FTS5 applies before ranking.
pub(crate) fn fts_floor(
    conn: &rusqlite::Connection,
    table: &str,
    q: &str,
    cap: usize,
) -> Result<i64> {
    use rusqlite::OptionalExtension;
    let sql = format!(
        "SELECT rowid FROM {table} WHERE {table} MATCH ?1 ORDER BY rowid DESC LIMIT 1 OFFSET ?2"
    );
    let floor = conn
        .prepare_cached(&sql)?
        .query_row(rusqlite::params![q, cap.saturating_sub(1) as i64], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(floor.unwrap_or(0))
}

/// The FTS5 query (on `unresolved_fts`) for a speaker filter: every word of it.
pub(crate) fn speaker_match(s: &str) -> String {
    let q = fts_query(s);
    if q.is_empty() {
        "\"\"".into()
    } else {
        q
    }
}

pub(crate) fn claim_row(r: &Row) -> rusqlite::Result<ClaimRow> {
    Ok(ClaimRow {
        id: r.get(0)?,
        label: r.get(1)?,
        size: r.get(2)?,
        articles: r.get(3)?,
        asserts: r.get(4)?,
        reports: r.get(5)?,
        denies: r.get(6)?,
        questions: r.get(7)?,
        disputed: r.get(8)?,
        first_seen: r.get(9)?,
    })
}

pub(crate) const CLAIM_SELECT: &str = "SELECT id, label, size, articles, asserts, reports, denies, questions, disputed, first_seen FROM claims";

impl Ledger {
    /// Quotes matching the filter, oldest article first, in text order; `f` sees each row.
    pub fn for_each_quote(
        &self,
        filter: &QuoteFilter,
        f: &mut dyn FnMut(QuoteRow) -> Result<()>,
    ) -> Result<()> {
        let query = QuoteQuery {
            speaker: filter.speaker.clone(),
            since: filter.since.clone(),
            until: filter.until.clone(),
            outlet: filter.outlet.clone(),
            kind: filter.kind.as_deref().map(str::to_lowercase),
            claim: filter.claim,
            ..QuoteQuery::default()
        };
        let (sql, args) = quote_page_sql(&query, filter.limit, 0);
        let mut st = self.conn.prepare(&sql)?;
        let mut rows = st.query(params_from_iter(args))?;
        while let Some(r) = rows.next()? {
            f(quote_row(r)?)?;
        }
        Ok(())
    }

    pub fn quotes(&self, filter: &QuoteFilter) -> Result<Vec<QuoteRow>> {
        let mut v = vec![];
        self.for_each_quote(filter, &mut |q| {
            v.push(q);
            Ok(())
        })?;
        Ok(v)
    }

    /// Speakers with at least one quote, most quoted first.
    pub fn speakers(&self, limit: Option<usize>) -> Result<Vec<SpeakerRow>> {
        let sql = format!(
            "SELECT g.id, g.name, g.kind, g.roles, g.quotes, g.articles FROM agents g WHERE g.quotes > 0 ORDER BY g.quotes DESC, g.name {}",
            limit.map(|l| format!("LIMIT {l}")).unwrap_or_default()
        );
        let mut st = self.conn.prepare(&sql)?;
        let rows = st.query_map([], |r| {
            let roles: String = r.get(3)?;
            Ok(SpeakerRow {
                id: r.get(0)?,
                name: r.get(1)?,
                kind: r.get(2)?,
                roles: serde_json::from_str(&roles).unwrap_or_default(),
                quotes: r.get(4)?,
                articles: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Claim clusters with more than one member (or all disputed ones), largest first.
    pub fn claims(&self, disputed_only: bool, limit: Option<usize>) -> Result<Vec<ClaimRow>> {
        let sql = format!(
            "{CLAIM_SELECT} WHERE {} {}",
            // The orders of the partial indexes claims_disputed and claims_listed.
            if disputed_only {
                "disputed ORDER BY articles DESC, size DESC, id"
            } else {
                "size > 1 ORDER BY disputed DESC, articles DESC, size DESC, id"
            },
            limit.map(|l| format!("LIMIT {l}")).unwrap_or_default()
        );
        let mut st = self.conn.prepare(&sql)?;
        let rows = st.query_map([], claim_row)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// A claim's timeline: every attribution in its cluster, oldest first.
    pub fn claim(&self, id: i64) -> Result<Option<Timeline>> {
        let claim =
            match self
                .conn
                .query_row(&format!("{CLAIM_SELECT} WHERE id = ?1"), [id], claim_row)
            {
                Ok(c) => c,
                Err(rusqlite::Error::QueryReturnedNoRows) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
        let entries = self.quotes(&QuoteFilter {
            claim: Some(id),
            ..Default::default()
        })?;
        Ok(Some(Timeline { claim, entries }))
    }

    /// Full-text search over quotes and articles, best ranked first among the newest
    /// [`RANKED_MATCHES`] matches of each.
    pub fn search(&self, text: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let q = fts_query(text);
        if q.is_empty() {
            return Ok(vec![]);
        }
        let mut hits = vec![];
        let mut st = self.conn.prepare(
            "SELECT q.id, a.doc_id, snippet(quotes_fts, 0, '[', ']', '…', 16), coalesce(g.name, q.speaker, q.source)
             FROM quotes_fts JOIN attributions q ON q.id = quotes_fts.rowid JOIN articles a ON a.id = q.article
             LEFT JOIN agents g ON g.id = q.agent WHERE quotes_fts MATCH ?1 AND quotes_fts.rowid >= ?3 ORDER BY rank LIMIT ?2",
        )?;
        let floor = fts_floor(&self.conn, "quotes_fts", &q, RANKED_MATCHES.max(limit))?;
        let rows = st.query_map(rusqlite::params![q, limit as i64, floor], |r| {
            Ok(SearchHit {
                kind: "quote",
                id: r.get(0)?,
                article: r.get(1)?,
                snippet: r.get(2)?,
                speaker: r.get(3)?,
            })
        })?;
        hits.extend(rows.collect::<std::result::Result<Vec<_>, _>>()?);
        let mut st = self.conn.prepare(
            "SELECT a.id, a.doc_id, snippet(articles_fts, 1, '[', ']', '…', 16) FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
             WHERE articles_fts MATCH ?1 AND articles_fts.rowid >= ?3 ORDER BY rank LIMIT ?2",
        )?;
        let floor = fts_floor(&self.conn, "articles_fts", &q, RANKED_MATCHES.max(limit))?;
        let rows = st.query_map(rusqlite::params![q, limit as i64, floor], |r| {
            Ok(SearchHit {
                kind: "article",
                id: r.get(0)?,
                article: r.get(1)?,
                snippet: r.get(2)?,
                speaker: None,
            })
        })?;
        hits.extend(rows.collect::<std::result::Result<Vec<_>, _>>()?);
        Ok(hits)
    }
}

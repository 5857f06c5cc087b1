//! The web UI: server-rendered HTML, one CSS file, no JavaScript needed.
//!
//! Every string that comes from the ledger (article text, titles, names, snippets, even ids) goes
//! through [`esc`] before it reaches the page; markup is only ever written by this module.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::api::quote_query;
use crate::db::{self, ArticleDetail, Page, Paged, QuoteOut, QuoteQuery, HIT_CLOSE, HIT_OPEN};
use crate::error::ApiError;
use crate::params::{path_id, Params};
use crate::{AppState, Notice};

const CSS: &str = include_str!("../static/style.css");

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Snippet marks never belong in a page.
            HIT_OPEN | HIT_CLOSE => {}
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a query-string value.
fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// An HTML page or an error page with the error's status.
pub struct HtmlPage(StatusCode, String);

impl IntoResponse for HtmlPage {
    fn into_response(self) -> Response {
        (
            self.0,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            self.1,
        )
            .into_response()
    }
}

type PageResult = Result<HtmlPage, HtmlPage>;

fn layout(notice: Option<&Notice>, title: &str, body: &str) -> String {
    let mut s = String::with_capacity(body.len() + 2048);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · onrecord</title><link rel=\"stylesheet\" href=\"/static/style.css\"></head><body>\
         <header><nav><a class=\"brand\" href=\"/\">onrecord</a> <a href=\"/articles\">Articles</a> <a href=\"/speakers\">Speakers</a> \
         <a href=\"/claims\">Claims</a> <a href=\"/disputes\">Disputes</a> <a href=\"/openapi.json\">API</a>\
         <form class=\"search\" action=\"/search\" method=\"get\"><input type=\"search\" name=\"q\" placeholder=\"Search quotes and articles\" aria-label=\"Search\">\
         <button type=\"submit\">Search</button></form></nav></header><main>{}</main><footer><p>onrecord: who said what, to whom, when, on whose authority, and who denies it. \
         Extracted automatically; check the article before you rely on it.</p>",
        esc(title),
        body
    );
    if let Some(n) = notice {
        match &n.url {
            Some(u) => {
                let _ = write!(
                    s,
                    "<p class=\"notice\">{} <a href=\"{}\">Licence</a></p>",
                    esc(&n.text),
                    esc(u)
                );
            }
            None => {
                let _ = write!(s, "<p class=\"notice\">{}</p>", esc(&n.text));
            }
        }
    }
    s.push_str("</footer></body></html>\n");
    s
}

fn ok(st: &AppState, title: &str, body: &str) -> PageResult {
    Ok(HtmlPage(
        StatusCode::OK,
        layout(st.config().notice.as_ref(), title, body),
    ))
}

pub fn error_page(e: &ApiError, notice: Option<&Notice>) -> HtmlPage {
    let status = e.status();
    let body = format!(
        "<h1>{} {}</h1><p class=\"error\">{}</p><p><a href=\"/\">Back to the overview</a></p>",
        status.as_u16(),
        esc(status.canonical_reason().unwrap_or("")),
        esc(&e.to_string())
    );
    HtmlPage(status, layout(notice, "Error", &body))
}

fn fail(st: &AppState) -> impl Fn(ApiError) -> HtmlPage + '_ {
    move |e| error_page(&e, st.config().notice.as_ref())
}

pub async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// Small pieces

fn date(d: &Option<String>) -> String {
    d.as_deref()
        .map(|d| d.chars().take(10).collect())
        .unwrap_or_else(|| "undated".into())
}

const PALETTE: [&str; 10] = [
    "#ffd8a8", "#c3fae8", "#d0ebff", "#ffdeeb", "#e9fac8", "#e5dbff", "#fff3bf", "#ffe3e3",
    "#d3f9d8", "#dbe4ff",
];

/// A stable colour per speaker.
fn colour(key: &str) -> &'static str {
    let h = key
        .bytes()
        .fold(2166136261u32, |h, b| (h ^ b as u32).wrapping_mul(16777619));
    PALETTE[(h as usize) % PALETTE.len()]
}

fn stance_label(s: &str) -> &str {
    match s {
        "reports" => "relays",
        "asserts" => "asserts",
        "denies" => "denies",
        "questions" => "questions",
        "declines" => "declines to comment",
        other => other,
    }
}

fn stance_badge(s: &str) -> String {
    format!(
        "<span class=\"stance st-{0}\">{1}</span>",
        esc(s),
        esc(stance_label(s))
    )
}

fn is_unnamed(source_kind: &str) -> bool {
    matches!(source_kind, "anonymous" | "unnamed_group" | "document")
}

fn source_kind_badge(k: &str) -> String {
    if is_unnamed(k) {
        format!(
            "<span class=\"anon\" title=\"source kind: {0}\">{0}</span>",
            esc(&k.replace('_', " "))
        )
    } else {
        String::new()
    }
}

fn speaker_link(name: Option<&str>, agent: Option<i64>) -> String {
    let name = name.unwrap_or("unknown source");
    match agent {
        Some(a) => format!(
            "<a class=\"speaker\" href=\"/speakers/{a}\">{}</a>",
            esc(name)
        ),
        None => format!("<span class=\"speaker\">{}</span>", esc(name)),
    }
}

fn article_link(id: i64, title: Option<&str>, doc_id: &str) -> String {
    format!(
        "<a href=\"/articles/{id}\">{}</a>",
        esc(title.filter(|t| !t.trim().is_empty()).unwrap_or(doc_id))
    )
}

fn hedges_html(h: &[String]) -> String {
    if h.is_empty() {
        return String::new();
    }
    let items: Vec<String> = h
        .iter()
        .map(|x| format!("<span class=\"hedge-chip\">{}</span>", esc(x)))
        .collect();
    format!(
        " <span class=\"hedged\" title=\"hedged\">hedged: {}</span>",
        items.join(" ")
    )
}

/// A snippet with its matched words in `<mark>`.
fn snippet_html(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in s.split([HIT_OPEN, HIT_CLOSE]).enumerate() {
        // Text between an open and a close mark is at odd positions.
        if i % 2 == 1 {
            let _ = write!(out, "<mark>{}</mark>", esc(part));
        } else {
            out.push_str(&esc(part));
        }
    }
    out
}

/// Text with the code-point ranges `spans` in `<mark>`.
fn marked(text: &str, spans: &[[usize; 2]]) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut at = 0usize;
    let mut sorted: Vec<[usize; 2]> = spans
        .iter()
        .map(|s| [s[0].min(chars.len()), s[1].min(chars.len())])
        .filter(|s| s[0] < s[1])
        .collect();
    sorted.sort();
    for [s, e] in sorted {
        if s < at {
            continue;
        }
        out.push_str(&esc(&chars[at..s].iter().collect::<String>()));
        let _ = write!(
            out,
            "<mark class=\"qc\">{}</mark>",
            esc(&chars[s..e].iter().collect::<String>())
        );
        at = e;
    }
    out.push_str(&esc(&chars[at.min(chars.len())..]
        .iter()
        .collect::<String>()));
    out
}

/// Previous/next links for a paged list; `base` is the path with the other parameters.
fn pager<T>(p: &Paged<T>, base: &str) -> String {
    let sep = if base.contains('?') { '&' } else { '?' };
    let mut s = format!(
        "<nav class=\"pager\"><span>{}–{} of {}</span>",
        if p.items.is_empty() { 0 } else { p.offset + 1 },
        p.offset + p.items.len(),
        p.total
    );
    if p.offset > 0 {
        let prev = p.offset.saturating_sub(p.limit);
        let _ = write!(
            s,
            " <a rel=\"prev\" href=\"{}\">← previous</a>",
            esc(&format!("{base}{sep}offset={prev}&limit={}", p.limit))
        );
    }
    if let Some(n) = p.next_offset {
        let _ = write!(
            s,
            " <a rel=\"next\" href=\"{}\">next →</a>",
            esc(&format!("{base}{sep}offset={n}&limit={}", p.limit))
        );
    }
    s.push_str("</nav>");
    s
}

fn claims_table(items: &[db::ClaimOut]) -> String {
    let mut s = String::from("<table class=\"claims\"><thead><tr><th>Claim</th><th>Articles</th><th>Asserted</th><th>Relayed</th><th>Denied</th><th>Questioned</th><th>First seen</th></tr></thead><tbody>");
    for c in items {
        let _ = write!(
            s,
            "<tr><td>{}<a class=\"claim-link\" href=\"/claims/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if c.disputed { "<span class=\"disputed\">disputed</span> " } else { "" },
            c.id,
            esc(&cut(&c.label, 160)),
            c.articles,
            c.asserts,
            c.reports,
            c.denies,
            c.questions,
            esc(&date(&c.first_seen))
        );
    }
    s.push_str("</tbody></table>");
    s
}

fn speakers_table(items: &[db::SpeakerOut]) -> String {
    let mut s = String::from("<table class=\"speakers\"><thead><tr><th>Speaker</th><th>Kind</th><th>Quotes</th><th>Articles</th><th>Roles</th><th>Dates</th></tr></thead><tbody>");
    for sp in items {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} – {}</td></tr>",
            speaker_link(Some(&sp.name), Some(sp.id)),
            esc(&sp.kind),
            sp.quotes,
            sp.articles,
            esc(&cut(&sp.roles.join("; "), 80)),
            esc(&date(&sp.first)),
            esc(&date(&sp.last))
        );
    }
    s.push_str("</tbody></table>");
    s
}

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!(
            "{}…",
            s.chars().take(n.saturating_sub(1)).collect::<String>()
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Pages

pub async fn overview(State(st): State<AppState>) -> PageResult {
    let page = Page {
        limit: 10,
        offset: 0,
    };
    let (counts, speakers, disputes, articles) = st
        .with_ledger(move |l| {
            Ok((
                db::counts(l)?,
                db::speakers(l, None, page)?,
                db::claims(l, true, page)?,
                db::articles(l, None, page)?,
            ))
        })
        .await
        .map_err(fail(&st))?;
    let mut b = String::from("<h1>Overview</h1><section class=\"counts\">");
    for (k, v) in &counts {
        let link = match *k {
            "articles" => Some("/articles"),
            "agents" => Some("/speakers"),
            "claims" => Some("/claims"),
            "disputed" => Some("/disputes"),
            _ => None,
        };
        let label = match *k {
            "agents" => "speakers",
            "attributions" => "quotes",
            "disputed" => "disputed claims",
            other => other,
        };
        let inner = format!(
            "<span class=\"n\">{v}</span><span class=\"k\">{}</span>",
            esc(label)
        );
        match link {
            Some(h) => {
                let _ = write!(
                    b,
                    "<a class=\"count\" id=\"count-{0}\" href=\"{h}\">{inner}</a>",
                    esc(k)
                );
            }
            None => {
                let _ = write!(
                    b,
                    "<div class=\"count\" id=\"count-{0}\">{inner}</div>",
                    esc(k)
                );
            }
        }
    }
    b.push_str("</section>");
    b.push_str("<form class=\"big-search\" action=\"/search\" method=\"get\"><input id=\"q\" type=\"search\" name=\"q\" placeholder=\"Who said what? Search quotes and articles\" aria-label=\"Search quotes and articles\"><button id=\"search-go\" type=\"submit\">Search</button></form>");
    b.push_str("<div class=\"cols\"><section><h2>Most quoted</h2>");
    b.push_str(&speakers_table(&speakers.items));
    b.push_str("<p><a href=\"/speakers\">All speakers →</a></p></section><section><h2>Disputed claims</h2>");
    if disputes.items.is_empty() {
        b.push_str("<p>No claim is both asserted and denied yet.</p>");
    } else {
        b.push_str(&claims_table(&disputes.items));
    }
    b.push_str("<p><a href=\"/claims\">All claims →</a></p></section></div><section><h2>Latest articles</h2>");
    b.push_str(&articles_table(&articles.items));
    b.push_str("</section>");
    ok(&st, "Overview", &b)
}

fn articles_table(items: &[db::ArticleRow]) -> String {
    let mut s = String::from("<table class=\"articles\"><thead><tr><th>Date</th><th>Title</th><th>Outlet</th><th>Quotes</th><th></th></tr></thead><tbody>");
    for a in items {
        let copy = match (&a.copy_of, &a.copy_kind) {
            (Some(o), Some(k)) => format!(
                "<span class=\"copy\" title=\"{} copy of {}\">{} copy</span>",
                esc(k),
                esc(o),
                esc(k)
            ),
            _ => String::new(),
        };
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&date(&a.published)),
            article_link(a.id, a.title.as_deref(), &a.doc_id),
            esc(a.outlet.as_deref().unwrap_or("")),
            a.quotes,
            copy
        );
    }
    s.push_str("</tbody></table>");
    s
}

pub async fn articles(State(st): State<AppState>, p: Result<Params, ApiError>) -> PageResult {
    let p = p.map_err(fail(&st))?;
    let page = p.page().map_err(fail(&st))?;
    let outlet = p.str("outlet");
    let o2 = outlet.clone();
    let list = st
        .with_ledger(move |l| db::articles(l, o2.as_deref(), page))
        .await
        .map_err(fail(&st))?;
    let base = match &outlet {
        Some(o) => format!("/articles?outlet={}", enc(o)),
        None => "/articles".into(),
    };
    let b = format!(
        "<h1>Articles</h1>{}{}",
        articles_table(&list.items),
        pager(&list, &base)
    );
    ok(&st, "Articles", &b)
}

/// One highlighted range of the article view.
struct Ann {
    start: usize,
    end: usize,
    /// Nesting order: lower is outer.
    layer: u8,
    class: String,
    style: Option<String>,
    title: String,
}

fn layers_of(a: &ArticleDetail) -> Vec<Ann> {
    let mut v = vec![];
    for q in &a.attributions {
        let who = q
            .speaker
            .clone()
            .or_else(|| q.source.as_ref().map(|s| s.text.clone()))
            .unwrap_or_else(|| "unknown source".into());
        let key = q
            .agent
            .map(|x| x.to_string())
            .unwrap_or_else(|| who.to_lowercase());
        let mut title = format!(
            "{} quote — {} {} ({})",
            q.kind,
            who,
            stance_label(&q.stance),
            q.source_kind.replace('_', " ")
        );
        if let Some(c) = &q.cue {
            let _ = write!(title, "; cue: {}", c.text);
        }
        if !q.hedges.is_empty() {
            let _ = write!(
                title,
                "; hedged: {}",
                q.hedges
                    .iter()
                    .map(|h| h.text.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        if let Some(t) = &q.time {
            let _ = write!(title, "; time: {t}");
        }
        if let Some(c) = q.claim {
            let _ = write!(title, "; claim #{c}");
        }
        for sp in &q.content_spans {
            v.push(Ann {
                start: sp[0],
                end: sp[1],
                layer: 0,
                class: format!("q st-{}", q.stance),
                style: Some(format!("background:{}", colour(&key))),
                title: title.clone(),
            });
        }
        if let Some(s) = &q.source {
            v.push(Ann {
                start: s.start,
                end: s.end,
                layer: 1,
                class: format!("src sk-{}", q.source_kind),
                style: Some(format!("border-color:{}", colour(&key))),
                title: format!("source ({}): {}", q.source_kind.replace('_', " "), who),
            });
        }
        if let Some(c) = &q.cue {
            v.push(Ann {
                start: c.start,
                end: c.end,
                layer: 1,
                class: "cue".into(),
                style: None,
                title: format!("cue: {} {}", who, stance_label(&q.stance)),
            });
        }
        if let Some(ad) = &q.addressee {
            v.push(Ann {
                start: ad.start,
                end: ad.end,
                layer: 1,
                class: "adr".into(),
                style: None,
                title: format!("addressee: {}", ad.text),
            });
        }
        for h in &q.hedges {
            v.push(Ann {
                start: h.start,
                end: h.end,
                layer: 2,
                class: "hedge".into(),
                style: None,
                title: format!("hedge: {}", h.text),
            });
        }
    }
    for t in &a.times {
        let mut title = format!("time ({}): {}", t.kind, t.value);
        if let Some(m) = &t.modifier {
            let _ = write!(title, " {m}");
        }
        if !t.resolved {
            title.push_str(" (unresolved)");
        }
        v.push(Ann {
            start: t.start,
            end: t.end,
            layer: 3,
            class: "time".into(),
            style: None,
            title,
        });
    }
    for e in &a.entities {
        let roles: Vec<String> = e
            .roles
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r.get("text").and_then(|x| x.as_str()).map(str::to_string))
            .collect();
        for m in &e.mentions {
            let mut title = format!("{}: {}", e.kind, e.name);
            if m.kind != "name" {
                let _ = write!(title, " ({})", m.kind);
            }
            if !roles.is_empty() {
                let _ = write!(title, "; {}", roles.join("; "));
            }
            v.push(Ann {
                start: m.start,
                end: m.end,
                layer: 4,
                class: format!("ent ent-{}", e.kind.to_lowercase()),
                style: None,
                title,
            });
        }
    }
    v.retain(|x| x.start < x.end);
    v
}

/// The article text with its layers as nested spans. Ranges may overlap without nesting, so the
/// text is cut at every boundary and each piece opens and closes the spans covering it.
fn render_text(text: &str, anns: &[Ann]) -> String {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    let mut cuts: BTreeSet<usize> = BTreeSet::from([0, n]);
    for a in anns {
        cuts.insert(a.start.min(n));
        cuts.insert(a.end.min(n));
    }
    let cuts: Vec<usize> = cuts.into_iter().collect();
    let mut out = String::with_capacity(text.len() * 2);
    for w in cuts.windows(2) {
        let (s, e) = (w[0], w[1]);
        if s >= e {
            continue;
        }
        let mut active: Vec<&Ann> = anns.iter().filter(|a| a.start <= s && a.end >= e).collect();
        active.sort_by_key(|a| a.layer);
        for a in &active {
            let _ = write!(
                out,
                "<span class=\"{}\" title=\"{}\"",
                esc(&a.class),
                esc(&a.title)
            );
            if let Some(st) = &a.style {
                let _ = write!(out, " style=\"{}\"", esc(st));
            }
            out.push('>');
        }
        out.push_str(&esc(&chars[s..e].iter().collect::<String>()));
        for _ in &active {
            out.push_str("</span>");
        }
    }
    out
}

pub async fn article(State(st): State<AppState>, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id).map_err(fail(&st))?;
    let a = st
        .with_ledger(move |l| db::article(l, id))
        .await
        .map_err(fail(&st))?;
    let Some(a) = a else {
        return Err(fail(&st)(ApiError::NotFound(format!("no article {id}"))));
    };
    let title = a
        .article
        .title
        .clone()
        .unwrap_or_else(|| a.article.doc_id.clone());
    let mut b = format!("<h1>{}</h1><p class=\"meta\">", esc(&title));
    let _ = write!(
        b,
        "{} · {} · <code>{}</code>",
        esc(&date(&a.article.published)),
        esc(a.article.outlet.as_deref().unwrap_or("unknown outlet")),
        esc(&a.article.doc_id)
    );
    if let Some(by) = &a.byline {
        let _ = write!(b, " · by {}", esc(by));
    }
    if let Some(u) = &a.article.url {
        if u.starts_with("http://") || u.starts_with("https://") {
            let _ = write!(
                b,
                " · <a href=\"{}\" rel=\"nofollow noopener\">original</a>",
                esc(u)
            );
        }
    }
    if let (Some(o), Some(k)) = (&a.article.copy_of, &a.article.copy_kind) {
        let _ = write!(
            b,
            " · <span class=\"copy\">{} copy of {}</span>",
            esc(k),
            esc(o)
        );
    }
    b.push_str("</p>");
    b.push_str(
        "<p class=\"legend\">Layers: <span class=\"q\" style=\"background:#d0ebff\">quote (colour per speaker)</span> \
         <span class=\"src sk-named\">source</span> <span class=\"cue\">cue</span> <span class=\"hedge\">hedge</span> \
         <span class=\"time\">time</span> <span class=\"ent ent-person\">person</span> <span class=\"ent ent-org\">organisation</span> \
         <span class=\"ent ent-gpe\">place</span>. Hover for details.</p>",
    );
    let anns = layers_of(&a);
    let _ = write!(
        b,
        "<article class=\"text\" id=\"article-text\">{}</article>",
        render_text(&a.text, &anns)
    );
    b.push_str("<h2>Attributions</h2><table class=\"quotes\"><thead><tr><th>Who</th><th>Stance</th><th>Says</th><th>Claim</th></tr></thead><tbody>");
    for q in &a.attributions {
        let who = q
            .speaker
            .clone()
            .or_else(|| q.source.as_ref().map(|s| s.text.clone()));
        let hedges: Vec<String> = q.hedges.iter().map(|h| h.text.clone()).collect();
        let _ = write!(
            b,
            "<tr><td>{} {}</td><td>{}{}</td><td>{}</td><td>{}</td></tr>",
            speaker_link(who.as_deref(), q.agent),
            source_kind_badge(&q.source_kind),
            stance_badge(&q.stance),
            hedges_html(&hedges),
            esc(&q.content),
            q.claim
                .map(|c| format!("<a href=\"/claims/{c}\">#{c}</a>"))
                .unwrap_or_default()
        );
    }
    b.push_str("</tbody></table>");
    ok(&st, &title, &b)
}

pub async fn speakers(State(st): State<AppState>, p: Result<Params, ApiError>) -> PageResult {
    let p = p.map_err(fail(&st))?;
    let page = p.page().map_err(fail(&st))?;
    let name = p.str("name");
    let n2 = name.clone();
    let list = st
        .with_ledger(move |l| db::speakers(l, n2.as_deref(), page))
        .await
        .map_err(fail(&st))?;
    let base = match &name {
        Some(n) => format!("/speakers?name={}", enc(n)),
        None => "/speakers".into(),
    };
    let b = format!(
        "<h1>Speakers</h1><form class=\"filter\" action=\"/speakers\"><input name=\"name\" value=\"{}\" placeholder=\"Part of a name\" aria-label=\"Name\"><button>Filter</button></form>{}{}",
        esc(name.as_deref().unwrap_or("")),
        speakers_table(&list.items),
        pager(&list, &base)
    );
    ok(&st, "Speakers", &b)
}

/// A quote with the sentence(s) around it and the quote's offsets in them.
type InContext = (QuoteOut, String, Vec<[usize; 2]>);
/// A speaker, the outlets quoting them, a page of their quotes, and those quotes in context.
type SpeakerData = (
    Option<db::SpeakerOut>,
    Vec<(String, i64)>,
    Paged<QuoteOut>,
    Vec<InContext>,
);

/// A speaker's quotes on a timeline: grouped by month, then by day, oldest first.
pub async fn speaker(
    State(st): State<AppState>,
    Path(id): Path<String>,
    p: Result<Params, ApiError>,
) -> PageResult {
    let id = path_id(&id).map_err(fail(&st))?;
    let p = p.map_err(fail(&st))?;
    let page = p.page_with(db::MAX_LIMIT).map_err(fail(&st))?;
    let r: SpeakerData = st
        .with_ledger(move |l| {
            let s = db::speaker(l, id)?;
            let outlets = db::speaker_outlets(l, id)?;
            let qs = db::quotes(
                l,
                &QuoteQuery {
                    agent: Some(id),
                    ..Default::default()
                },
                page,
            )?;
            let mut ctx = vec![];
            for q in &qs.items {
                let (t, spans) = db::context(l, q, 600)?;
                ctx.push((q.clone(), t, spans));
            }
            Ok((s, outlets, qs, ctx))
        })
        .await
        .map_err(fail(&st))?;
    let (s, outlets, qs, ctx) = r;
    let Some(s) = s else {
        return Err(fail(&st)(ApiError::NotFound(format!("no speaker {id}"))));
    };
    let mut b = format!("<h1 id=\"speaker-name\">{}</h1><p class=\"meta\">{} · {} quotes in {} articles · {} – {}</p>", esc(&s.name), esc(&s.kind), s.quotes, s.articles, esc(&date(&s.first)), esc(&date(&s.last)));
    if !s.roles.is_empty() {
        let _ = write!(
            b,
            "<p class=\"roles\">Roles: {}</p>",
            esc(&s.roles.join("; "))
        );
    }
    b.push_str("<p class=\"outlets\">Quoted by: ");
    let list: Vec<String> = outlets
        .iter()
        .map(|(o, n)| format!("{} ({n})", esc(o)))
        .collect();
    b.push_str(&list.join(", "));
    b.push_str("</p><div class=\"timeline\">");
    // Month -> day -> quotes in context.
    let mut months: BTreeMap<String, BTreeMap<String, Vec<&InContext>>> = BTreeMap::new();
    for c in &ctx {
        let d = date(&c.0.published);
        let m: String = if d.len() >= 7 {
            d.chars().take(7).collect()
        } else {
            d.clone()
        };
        months.entry(m).or_default().entry(d).or_default().push(c);
    }
    for (m, days) in &months {
        let _ = write!(b, "<section class=\"month\"><h2>{}</h2>", esc(m));
        for (d, items) in days {
            let _ = write!(
                b,
                "<div class=\"day\"><h3 class=\"when\">{}</h3><ul>",
                esc(d)
            );
            for (q, text, spans) in items.iter().map(|x| (&x.0, &x.1, &x.2)) {
                let _ = write!(
                    b,
                    "<li class=\"quote\"><blockquote>{}</blockquote><p class=\"qmeta\">{}{} · {} · {}{}{}</p></li>",
                    marked(text, spans),
                    stance_badge(&q.stance),
                    hedges_html(&q.hedges),
                    esc(q.outlet.as_deref().unwrap_or("unknown outlet")),
                    article_link(q.article_id, q.title.as_deref(), &q.article),
                    q.claim.map(|c| format!(" · <a href=\"/claims/{c}\">claim #{c}</a>")).unwrap_or_default(),
                    q.copy_of.as_ref().map(|c| format!(" · <span class=\"copy\">copy of {}</span>", esc(c))).unwrap_or_default()
                );
            }
            b.push_str("</ul></div>");
        }
        b.push_str("</section>");
    }
    b.push_str("</div>");
    b.push_str(&pager(&qs, &format!("/speakers/{id}")));
    ok(&st, &s.name, &b)
}

fn claims_page(
    st: &AppState,
    title: &str,
    intro: &str,
    list: &Paged<db::ClaimOut>,
    base: &str,
) -> PageResult {
    let mut b = format!("<h1>{}</h1><p>{}</p>", esc(title), intro);
    if list.items.is_empty() {
        b.push_str("<p>None yet.</p>");
    } else {
        b.push_str(&claims_table(&list.items));
    }
    b.push_str(&pager(list, base));
    ok(st, title, &b)
}

pub async fn claims(State(st): State<AppState>, p: Result<Params, ApiError>) -> PageResult {
    let p = p.map_err(fail(&st))?;
    let page = p.page().map_err(fail(&st))?;
    let list = st
        .with_ledger(move |l| db::claims(l, false, page))
        .await
        .map_err(fail(&st))?;
    claims_page(
        &st,
        "Claims",
        "Statements made in more than one place, or asserted and denied, grouped across articles.",
        &list,
        "/claims",
    )
}

pub async fn disputes(State(st): State<AppState>, p: Result<Params, ApiError>) -> PageResult {
    let p = p.map_err(fail(&st))?;
    let page = p.page().map_err(fail(&st))?;
    let list = st
        .with_ledger(move |l| db::claims(l, true, page))
        .await
        .map_err(fail(&st))?;
    claims_page(
        &st,
        "Disputes",
        "Claims that someone asserted or relayed and someone denied.",
        &list,
        "/disputes",
    )
}

/// A claim's timeline: who asserted, relayed, questioned or denied it, where and when.
pub async fn claim(
    State(st): State<AppState>,
    Path(id): Path<String>,
    p: Result<Params, ApiError>,
) -> PageResult {
    let id = path_id(&id).map_err(fail(&st))?;
    let p = p.map_err(fail(&st))?;
    let page = p.page_with(db::MAX_LIMIT).map_err(fail(&st))?;
    let (c, entries) = st
        .with_ledger(move |l| {
            Ok((
                db::claim(l, id)?,
                db::quotes(
                    l,
                    &QuoteQuery {
                        claim: Some(id),
                        ..Default::default()
                    },
                    page,
                )?,
            ))
        })
        .await
        .map_err(fail(&st))?;
    let Some(c) = c else {
        return Err(fail(&st)(ApiError::NotFound(format!("no claim {id}"))));
    };
    let mut b = format!(
        "<h1>Claim #{}{}</h1><blockquote class=\"claim-label\" id=\"claim-label\">{}</blockquote>\
         <p class=\"meta\">{} attributions in {} articles · <span class=\"stance st-asserts\">asserted {}</span> \
         <span class=\"stance st-reports\">relayed {}</span> <span class=\"stance st-denies\">denied {}</span> \
         <span class=\"stance st-questions\">questioned {}</span> · first seen {}</p>",
        c.id,
        if c.disputed { " <span class=\"disputed\">disputed</span>" } else { "" },
        esc(&c.label),
        c.size,
        c.articles,
        c.asserts,
        c.reports,
        c.denies,
        c.questions,
        esc(&date(&c.first_seen))
    );
    b.push_str("<table class=\"timeline-table\"><thead><tr><th>Date</th><th>Outlet / article</th><th>Who</th><th>Stance</th><th>What they said</th></tr></thead><tbody>");
    for q in &entries.items {
        let who = speaker_link(q.speaker.as_deref().or(q.source.as_deref()), q.agent);
        let _ = write!(
            b,
            "<tr class=\"entry st-row-{}\"><td class=\"when\">{}</td><td>{}<br>{}{}</td><td>{} {}{}</td><td>{}{}</td><td>{}</td></tr>",
            esc(&q.stance),
            esc(&date(&q.published)),
            esc(q.outlet.as_deref().unwrap_or("unknown outlet")),
            article_link(q.article_id, q.title.as_deref(), &q.article),
            q.copy_of.as_ref().map(|o| format!("<br><span class=\"copy\">copy of {}</span>", esc(o))).unwrap_or_default(),
            who,
            source_kind_badge(&q.source_kind),
            q.source.as_ref().filter(|s| Some(s.as_str()) != q.speaker.as_deref()).map(|s| format!("<br><small>as “{}”</small>", esc(s))).unwrap_or_default(),
            stance_badge(&q.stance),
            hedges_html(&q.hedges),
            esc(&q.content)
        );
    }
    b.push_str("</tbody></table>");
    b.push_str(&pager(&entries, &format!("/claims/{id}")));
    ok(&st, &format!("Claim #{}", c.id), &b)
}

pub async fn search(State(st): State<AppState>, p: Result<Params, ApiError>) -> PageResult {
    let p = p.map_err(fail(&st))?;
    let q = p.str("q");
    let page = p.page_with(20).map_err(fail(&st))?;
    let mut b = format!(
        "<h1>Search</h1><form class=\"big-search\" action=\"/search\" method=\"get\"><input id=\"q\" type=\"search\" name=\"q\" value=\"{}\" aria-label=\"Search quotes and articles\"><button id=\"search-go\" type=\"submit\">Search</button></form>",
        esc(q.as_deref().unwrap_or(""))
    );
    let Some(q) = q else {
        return ok(&st, "Search", &b);
    };
    let q2 = q.clone();
    let hits = st
        .with_ledger(move |l| db::search(l, &q2, page))
        .await
        .map_err(fail(&st))?;
    let (quotes, arts): (Vec<_>, Vec<_>) = hits.iter().partition(|h| h.kind == "quote");
    let _ = write!(b, "<h2>Quotes ({})</h2>", quotes.len());
    if quotes.is_empty() {
        b.push_str("<p>No quote matches.</p>");
    }
    b.push_str("<ul class=\"hits\" id=\"quote-hits\">");
    for h in &quotes {
        let _ = write!(
            b,
            "<li class=\"hit\">{}: “{}” <span class=\"qmeta\">— {}</span></li>",
            speaker_link(h.speaker.as_deref(), h.agent),
            snippet_html(&h.snippet),
            article_link(h.article_id, h.title.as_deref(), &h.article)
        );
    }
    b.push_str("</ul>");
    let _ = write!(
        b,
        "<h2>Articles ({})</h2><ul class=\"hits\" id=\"article-hits\">",
        arts.len()
    );
    for h in &arts {
        let _ = write!(
            b,
            "<li class=\"hit\">{}<br><span class=\"snippet\">{}</span></li>",
            article_link(h.article_id, h.title.as_deref(), &h.article),
            snippet_html(&h.snippet)
        );
    }
    b.push_str("</ul>");
    if quotes.len() == page.limit || arts.len() == page.limit {
        let _ = write!(b, "<p><a rel=\"next\" href=\"/search?q={}&amp;offset={}&amp;limit={}\">more results →</a></p>", esc(&enc(&q)), page.offset + page.limit, page.limit);
    }
    ok(&st, &format!("Search: {q}"), &b)
}

/// Quotes list page with the API's filters, linked from nowhere yet but handy: `/quotes?speaker=…`.
pub async fn quotes(State(st): State<AppState>, p: Result<Params, ApiError>) -> PageResult {
    let p = p.map_err(fail(&st))?;
    let f = quote_query(&p).map_err(fail(&st))?;
    let page = p.page().map_err(fail(&st))?;
    let list = st
        .with_ledger(move |l| db::quotes(l, &f, page))
        .await
        .map_err(fail(&st))?;
    let mut b = String::from("<h1>Quotes</h1><table class=\"quotes\"><thead><tr><th>Date</th><th>Who</th><th>Stance</th><th>Says</th><th>Article</th></tr></thead><tbody>");
    for q in &list.items {
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{} {}</td><td>{}{}</td><td>{}</td><td>{}</td></tr>",
            esc(&date(&q.published)),
            speaker_link(q.speaker.as_deref(), q.agent),
            source_kind_badge(&q.source_kind),
            stance_badge(&q.stance),
            hedges_html(&q.hedges),
            esc(&q.content),
            article_link(q.article_id, q.title.as_deref(), &q.article)
        );
    }
    b.push_str("</tbody></table>");
    let keep: Vec<String> =
        p.0.iter()
            .filter(|(k, _)| k != "offset" && k != "limit")
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect();
    let base = if keep.is_empty() {
        "/quotes".to_string()
    } else {
        format!("/quotes?{}", keep.join("&"))
    };
    b.push_str(&pager(&list, &base));
    ok(&st, "Quotes", &b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
        assert_eq!(
            snippet_html("a \u{2}<b>\u{3} c"),
            "a <mark>&lt;b&gt;</mark> c"
        );
        assert_eq!(enc("a b&c"), "a%20b%26c");
    }

    #[test]
    fn overlapping_layers_render_as_nested_pieces() {
        let anns = vec![
            Ann {
                start: 0,
                end: 5,
                layer: 0,
                class: "q".into(),
                style: None,
                title: "quote".into(),
            },
            Ann {
                start: 3,
                end: 8,
                layer: 4,
                class: "ent".into(),
                style: None,
                title: "e<".into(),
            },
        ];
        let html = render_text("abcdefghé<", &anns);
        assert_eq!(
            html,
            "<span class=\"q\" title=\"quote\">abc</span><span class=\"q\" title=\"quote\"><span class=\"ent\" title=\"e&lt;\">de</span></span>\
             <span class=\"ent\" title=\"e&lt;\">fgh</span>é&lt;"
        );
        // Offsets past the end are clamped, not a panic.
        let anns = vec![Ann {
            start: 2,
            end: 99,
            layer: 0,
            class: "q".into(),
            style: None,
            title: String::new(),
        }];
        assert!(render_text("abc", &anns).ends_with("c</span>"));
        assert_eq!(
            marked("héllo", &[[1, 3], [9, 12]]),
            "h<mark class=\"qc\">él</mark>lo"
        );
    }
}

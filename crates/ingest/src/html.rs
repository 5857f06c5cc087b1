//! HTML pages: the main text (the `trafilatura` extractor, our patched copy in
//! `vendor/trafilatura`) and the metadata (our own reading of JSON-LD, `<meta>` tags, `<time>`
//! elements, the title and the URL), each value with its source. A page is parsed once: the
//! metadata reads the tree, then the extractor takes it over.
//!
//! Precedence for every field is: schema.org JSON-LD, then `<meta>` tags, then elements of the
//! page, then the extractor's own guesses, then the URL. A value we cannot find stays absent.

use onrecord_core::{Document, Field, FieldSource, Metadata, Origin};
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;

use crate::byline::{clean_byline, join_bylines};
use crate::dates::{date_from_url, normalize_date};
use crate::{charset, IngestError, MAX_TEXT_BYTES};

/// Raw pages larger than this are not parsed: no news article needs it, and parsing costs
/// memory and time in proportion.
pub const MAX_HTML_BYTES: usize = 64 * 1024 * 1024;

/// What the caller knows about a page from outside it (a WARC record's HTTP header and URL).
#[derive(Debug, Clone, Default)]
pub struct HtmlHints<'a> {
    /// Charset label from an HTTP `Content-Type` header.
    pub charset: Option<&'a str>,
    /// The URL the page was fetched from, with the source it came from.
    pub url: Option<Field>,
}

/// Main text and metadata of one page.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// One paragraph a line.
    pub text: String,
    pub meta: Metadata,
}

/// Reads one HTML page (bytes in any charset) as a document with id `stem`.
pub fn read_html(bytes: &[u8], path: &str, stem: &str) -> Result<Document, IngestError> {
    read_html_with(bytes, path, stem, None, &HtmlHints::default())
}

/// Like [`read_html`], for a page found inside a container file at record `record`.
pub fn read_html_with(bytes: &[u8], path: &str, id: &str, record: Option<u64>, hints: &HtmlHints) -> Result<Document, IngestError> {
    let err = |m: String| IngestError::new(path, record, m).with_id(id);
    if bytes.len() > MAX_HTML_BYTES {
        return Err(err(format!("page of {} bytes is over the {} MB limit; not analysed", bytes.len(), MAX_HTML_BYTES >> 20)));
    }
    let html = charset::decode(bytes, hints.charset);
    let page = extract_page(&html, hints).map_err(err)?;
    if page.text.len() > MAX_TEXT_BYTES {
        return Err(err(format!("article text of {} bytes is over the {} MB limit; not analysed", page.text.len(), MAX_TEXT_BYTES >> 20)));
    }
    let mut doc = Document::new(id, page.text);
    doc.meta = page.meta;
    doc.origin = Origin { path: path.to_string(), record, format: "html".into() };
    Ok(doc)
}

/// Extracts main text and metadata from decoded HTML.
pub fn extract_page(html: &str, hints: &HtmlHints) -> Result<Page, String> {
    // One parse serves both: our metadata reads the tree, then the extractor takes it over.
    let dom = Html::parse_document(html);
    let mut meta = page_metadata(&dom, hints);
    let titles = title_candidates(&dom, &meta);
    // The extractor's byline and title only fill gaps in ours, so they are read only when there
    // is a gap (on the untouched tree, as the extractor itself would); its date is never used,
    // and its metadata never has a language (that is guessed from the text, below).
    let opts = trafilatura::Options::default()
        .with_fallback(true)
        .with_html_date_mode(trafilatura::HtmlDateMode::Disabled)
        .with_skip_metadata(true);
    let doc = trafilatura::dom::Document::from_html(dom);
    let gaps = meta.byline.is_none() || meta.title.is_none();
    let extractor_meta = gaps.then(|| trafilatura::metadata::extract_title_and_author(&doc, &opts));
    let result = trafilatura::extract_document(doc, &opts);
    let (text, language) = match result {
        // The HTML form keeps paragraph boundaries that the plain-text form sometimes loses.
        Ok(r) => {
            let t = fragment_text(&r.content_html);
            // The extractor's language: its guess from the text, else the page's declaration.
            let language = meta.language.is_none().then(|| trafilatura::utils::language::language_classifier(&r.content_text, &r.comments_text));
            (if t.is_empty() { paragraph_lines(&r.content_text) } else { t }, language)
        }
        Err(e) => return Err(format!("no article text found ({e})")),
    };
    if text.is_empty() {
        return Err("no article text found".into());
    }
    let text = drop_headline(text, &titles);
    // The extractor's guesses only fill gaps; its date is not used because it does not say
    // where it came from.
    let ex = |v: &str| (!v.trim().is_empty()).then(|| Field::new(v.trim(), FieldSource::Extractor));
    if let Some(m) = extractor_meta {
        if meta.byline.is_none() {
            meta.byline = clean_byline(&m.author).map(|b| Field::new(b, FieldSource::Extractor));
        }
        if meta.title.is_none() {
            meta.title = ex(&m.title);
        }
    }
    if meta.language.is_none() {
        let guessed = language.unwrap_or_default();
        meta.language = ex(&guessed).and_then(|f| norm_lang(&f.value).map(|l| Field::new(l, f.source)));
    }
    Ok(Page { text, meta })
}

/// The page's headline in its various forms: the metadata title, title-like `<meta>` values,
/// the `<title>` and its parts around a site-name separator, and the first `<h1>`s.
fn title_candidates(dom: &Html, meta: &Metadata) -> Vec<String> {
    let mut c: Vec<String> = meta.title.iter().map(|f| f.value.clone()).collect();
    let tags = MetaTags::read(dom);
    c.extend(TITLE_META.iter().filter_map(|k| tags.get(k)).map(str::to_string));
    if let Some(t) = dom.select(&sel("title")).next().map(text_of) {
        for s in [" | ", " - ", " – ", " — ", " :: ", " · "] {
            c.extend(t.split(s).map(str::to_string));
        }
        c.push(t);
    }
    c.extend(dom.select(&sel("h1")).take(2).map(text_of));
    c.into_iter().map(|t| norm_title(&t)).filter(|t| t.split(' ').count() >= 2).collect()
}

fn norm_title(t: &str) -> String {
    t.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect::<Vec<_>>().join(" ")
}

/// Drops the headline from the top of the body text: it is in `meta.title`, and the body is
/// what the article says under it.
fn drop_headline(text: String, candidates: &[String]) -> String {
    let mut rest = text.as_str();
    for _ in 0..2 {
        let (first, tail) = rest.split_once('\n').unwrap_or((rest, ""));
        if tail.is_empty() || !candidates.contains(&norm_title(first)) {
            break;
        }
        rest = tail;
    }
    if rest.len() == text.len() {
        text
    } else {
        rest.to_string()
    }
}

/// Trims lines and drops blank ones: our text layer expects one paragraph a line.
pub fn paragraph_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if !line.is_empty() {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&line);
        }
    }
    out
}

fn sel(s: &str) -> Selector {
    // Selectors are constants of this file, checked by the unit tests.
    Selector::parse(s).unwrap_or_else(|e| panic!("bad built-in selector {s}: {e}"))
}

/// Normalised text of an element.
fn text_of(e: ElementRef) -> String {
    e.text().collect::<Vec<_>>().join(" ").split_whitespace().collect::<Vec<_>>().join(" ")
}

fn attr(e: ElementRef, name: &str) -> Option<String> {
    e.value().attr(name).map(|v| v.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|v| !v.is_empty())
}

/// `<meta>` values by lower-cased key (`name`, `property`, `itemprop` or `http-equiv`), first wins.
struct MetaTags(Vec<(String, String)>);

impl MetaTags {
    fn read(dom: &Html) -> Self {
        let mut v = Vec::new();
        for m in dom.select(&sel("meta[content]")) {
            let Some(content) = attr(m, "content") else { continue };
            for k in ["property", "name", "itemprop", "http-equiv"] {
                if let Some(key) = m.value().attr(k) {
                    v.push((key.trim().to_ascii_lowercase(), content.clone()));
                }
            }
        }
        MetaTags(v)
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// First value under any of `keys`, in the order of `keys`, that `f` accepts.
    fn first<T>(&self, keys: &[&str], f: impl Fn(&str) -> Option<T>) -> Option<T> {
        keys.iter().find_map(|k| self.0.iter().filter(|(key, _)| key == k).find_map(|(_, v)| f(v)))
    }
}

const DATE_META: &[&str] = &[
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "article.published",
    "published_time",
    "publishdate",
    "publish-date",
    "publish_date",
    "pubdate",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date.created",
    "dcterms.created",
    "dc.date",
    "dcterms.date",
    "date",
    "sailthru.date",
    "parsely-pub-date",
    "article_date_original",
    "original-publish-date",
    "citation_publication_date",
    "citation_date",
];
const TITLE_META: &[&str] = &["og:title", "twitter:title", "dc.title", "dcterms.title", "parsely-title", "sailthru.title", "headline", "title"];
const AUTHOR_META: &[&str] = &[
    "author",
    "article:author",
    "og:article:author",
    "dc.creator",
    "dcterms.creator",
    "parsely-author",
    "sailthru.author",
    "byl",
    "citation_author",
];
const SITE_META: &[&str] = &["og:site_name", "application-name", "al:android:app_name", "al:ios:app_name"];
const PUBLISHER_META: &[&str] = &["publisher", "dc.publisher", "dcterms.publisher", "article:publisher", "citation_publisher"];
const LANG_META: &[&str] = &["content-language", "language", "dc.language", "dcterms.language", "og:locale"];

/// schema.org types whose node describes the article itself.
const ARTICLE_TYPES: &[&str] = &[
    "newsarticle",
    "article",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "reviewnewsarticle",
    "askpublicnewsarticle",
    "blogposting",
    "liveblogposting",
    "socialmediaposting",
    "report",
    "scholarlyarticle",
    "techarticle",
];
const PAGE_TYPES: &[&str] = &["webpage", "itempage", "collectionpage"];

/// Metadata read from the page itself (and `hints`).
// Fields are filled one by one because later ones (the URL date) depend on earlier ones.
#[allow(clippy::field_reassign_with_default)]
pub fn page_metadata(dom: &Html, hints: &HtmlHints) -> Metadata {
    let tags = MetaTags::read(dom);
    let ld = JsonLd::read(dom);
    let article = ld.article();
    let f = |v: Option<String>, s: FieldSource| v.map(|v| Field::new(v, s));
    let mut m = Metadata::default();

    // Title.
    m.title = f(article.and_then(|a| ld.text(a, "headline").or_else(|| ld.text(a, "name"))), FieldSource::JsonLd)
        .or_else(|| f(tags.first(TITLE_META, |v| Some(v.to_string())), FieldSource::MetaTag))
        .or_else(|| f(title_element(dom), FieldSource::TitleTag));

    // Publication date.
    m.published = f(article.and_then(|a| ld.text(a, "datePublished").or_else(|| ld.text(a, "dateCreated")).and_then(|d| normalize_date(&d))), FieldSource::JsonLd)
        .or_else(|| f(tags.first(DATE_META, normalize_date), FieldSource::MetaTag))
        .or_else(|| time_element(dom).map(|(d, s)| Field::new(d, s)));

    // Byline.
    m.byline = f(article.and_then(|a| join_bylines(ld.names(a, "author").iter().map(String::as_str))), FieldSource::JsonLd)
        .or_else(|| f(tags.first(AUTHOR_META, |v| if v.contains("://") { None } else { join_bylines(split_names(v)) }), FieldSource::MetaTag))
        .or_else(|| f(byline_elements(dom), FieldSource::Extractor));

    // Publisher and site name.
    let ld_publisher = article.and_then(|a| ld.names(a, "publisher").into_iter().next()).or_else(|| ld.site_name());
    let site = tags.first(SITE_META, |v| Some(v.to_string()));
    let meta_publisher = tags.first(PUBLISHER_META, |v| (!v.contains("://")).then(|| v.to_string()));
    m.site_name = f(site.clone(), FieldSource::MetaTag).or_else(|| f(ld_publisher.clone(), FieldSource::JsonLd));
    m.publisher = f(ld_publisher, FieldSource::JsonLd)
        .or_else(|| f(meta_publisher, FieldSource::MetaTag))
        .or_else(|| f(site, FieldSource::MetaTag));

    // Language.
    let html_lang = dom.select(&sel("html[lang]")).next().and_then(|e| attr(e, "lang")).and_then(|l| norm_lang(&l));
    m.language = f(article.and_then(|a| ld.text(a, "inLanguage")).and_then(|l| norm_lang(&l)), FieldSource::JsonLd)
        .or_else(|| f(html_lang, FieldSource::MetaTag))
        .or_else(|| f(tags.first(LANG_META, norm_lang), FieldSource::MetaTag));

    // URL: the fetch URL when known, else the page's canonical URL.
    let canonical = dom.select(&sel("link[rel=canonical][href]")).find_map(|e| attr(e, "href")).filter(|u| is_absolute(u));
    m.url = hints
        .url
        .clone()
        .or_else(|| f(canonical, FieldSource::MetaTag))
        .or_else(|| f(tags.get("og:url").filter(|u| is_absolute(u)).map(str::to_string), FieldSource::MetaTag))
        .or_else(|| f(article.and_then(|a| ld.url(a)).filter(|u| is_absolute(u)), FieldSource::JsonLd));

    // Last resort for the date: one written in the URL.
    if m.published.is_none() {
        m.published = m.url.as_ref().and_then(|u| date_from_url(&u.value)).map(|d| Field::new(d, FieldSource::Url));
    }
    m
}

fn is_absolute(u: &str) -> bool {
    let l = u.to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://")
}

/// A language tag as `en` or `en-US`; `None` when it is not one.
pub(crate) fn norm_lang(raw: &str) -> Option<String> {
    let raw = raw.trim().replace('_', "-");
    let mut parts = raw.split('-');
    let primary = parts.next()?.to_ascii_lowercase();
    if !(2..=3).contains(&primary.len()) || !primary.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    match parts.next() {
        Some(r) if r.len() == 2 && r.bytes().all(|b| b.is_ascii_alphabetic()) => Some(format!("{primary}-{}", r.to_ascii_uppercase())),
        _ => Some(primary),
    }
}

/// Splits a meta author value that lists several names.
fn split_names(v: &str) -> Vec<&str> {
    v.split([',', ';', '|']).flat_map(|p| p.split(" and ")).collect()
}

/// The first `<h1>` when the `<title>` contains it (so it is the headline, not a logo), else
/// the `<title>` text.
fn title_element(dom: &Html) -> Option<String> {
    let title = dom.select(&sel("head title, title")).next().map(text_of).filter(|t| !t.is_empty());
    let h1 = dom.select(&sel("h1")).map(text_of).find(|t| !t.is_empty());
    match (title, h1) {
        (Some(t), Some(h)) if h.chars().count() >= 8 && t.contains(&h) => Some(h),
        (t, _) => t,
    }
}

/// A publication date from `<time datetime>`: one marked as the publication time, else the
/// first inside `<article>`, else the page's only one.
fn time_element(dom: &Html) -> Option<(String, FieldSource)> {
    let times: Vec<ElementRef> = dom.select(&sel("time[datetime]")).collect();
    let marked = |e: &ElementRef| {
        let v = e.value();
        let class = v.attr("class").unwrap_or("").to_ascii_lowercase();
        v.attr("pubdate").is_some()
            || v.attr("itemprop").is_some_and(|p| p.eq_ignore_ascii_case("datePublished"))
            || (class.contains("pub") && !class.contains("update"))
    };
    let modified = |e: &ElementRef| {
        let v = e.value();
        let class = v.attr("class").unwrap_or("").to_ascii_lowercase();
        class.contains("update") || class.contains("modif") || v.attr("itemprop").is_some_and(|p| p.eq_ignore_ascii_case("dateModified"))
    };
    let date = |e: &ElementRef| attr(*e, "datetime").and_then(|d| normalize_date(&d));
    if let Some(d) = times.iter().filter(|e| marked(e)).find_map(date) {
        return Some((d, FieldSource::TimeElement));
    }
    // Microdata on other elements (`<span itemprop="datePublished" content="...">`).
    for e in dom.select(&sel("[itemprop=datePublished]")) {
        if let Some(d) = attr(e, "content").or_else(|| attr(e, "datetime")).and_then(|d| normalize_date(&d)) {
            return Some((d, FieldSource::MetaTag));
        }
    }
    let in_article = dom.select(&sel("article time[datetime]")).filter(|e| !modified(e)).find_map(|e| date(&e));
    if let Some(d) = in_article {
        return Some((d, FieldSource::TimeElement));
    }
    match times.as_slice() {
        [only] if !modified(only) => date(only).map(|d| (d, FieldSource::TimeElement)),
        _ => None,
    }
}

/// Names in byline elements of the page (`rel=author`, `itemprop=author`, class `byline`).
fn byline_elements(dom: &Html) -> Option<String> {
    let mut names: Vec<String> = Vec::new();
    for s in ["[itemprop=author] [itemprop=name]", "a[rel=author]", "[itemprop=author]"] {
        names.extend(dom.select(&sel(s)).map(|e| attr(e, "content").unwrap_or_else(|| text_of(e))));
        if let Some(j) = join_bylines(names.iter().map(String::as_str)) {
            return Some(j);
        }
        names.clear();
    }
    for e in dom.select(&sel(".byline, .author-name, .byline-name, .article-author")).take(3) {
        let t = text_of(e);
        let parts: Vec<&str> = t.split(['|', '•', '·', ',']).flat_map(|p| p.split(" and ")).collect();
        if let Some(j) = join_bylines(parts) {
            return Some(j);
        }
    }
    None
}

/// The JSON-LD nodes of a page, flattened (`@graph` and arrays opened).
struct JsonLd {
    nodes: Vec<Value>,
}

impl JsonLd {
    fn read(dom: &Html) -> Self {
        let mut nodes = Vec::new();
        for s in dom.select(&sel("script[type]")) {
            if !s.value().attr("type").is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json")) {
                continue;
            }
            let raw: String = s.text().collect();
            let parsed = serde_json::from_str::<Value>(raw.trim()).or_else(|_| {
                // Raw newlines and tabs inside strings are a common publisher error.
                let cleaned: String = raw.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
                serde_json::from_str::<Value>(cleaned.trim())
            });
            if let Ok(v) = parsed {
                flatten(v, &mut nodes, 0);
            }
        }
        JsonLd { nodes }
    }

    fn typed(&self, types: &[&str]) -> Option<&Value> {
        self.nodes.iter().find(|n| type_names(n).iter().any(|t| types.contains(&t.to_ascii_lowercase().as_str())))
    }

    /// The node describing the article: an article type, else a web page.
    fn article(&self) -> Option<&Value> {
        self.typed(ARTICLE_TYPES).or_else(|| self.typed(PAGE_TYPES))
    }

    fn site_name(&self) -> Option<String> {
        self.typed(&["website"]).and_then(|w| self.text(w, "name"))
    }

    /// Follows an `{"@id": ...}` reference to the node it names.
    fn resolve<'a>(&'a self, v: &'a Value) -> &'a Value {
        if let Value::Object(o) = v {
            if o.len() == 1 {
                if let Some(Value::String(id)) = o.get("@id") {
                    if let Some(n) = self.nodes.iter().find(|n| n.get("@id").and_then(Value::as_str) == Some(id)) {
                        return n;
                    }
                }
            }
        }
        v
    }

    /// A text property (string, first of a list, or `@value`/`name` of an object).
    fn text(&self, node: &Value, key: &str) -> Option<String> {
        let v = self.resolve(node.get(key)?);
        let s = match v {
            Value::String(s) => s.clone(),
            Value::Array(a) => return a.iter().find_map(|x| self.text(&serde_json::json!({ "k": x }), "k")),
            Value::Object(o) => o.get("@value").or_else(|| o.get("name")).and_then(Value::as_str)?.to_string(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        let s = unescape_entities(&s).split_whitespace().collect::<Vec<_>>().join(" ");
        (!s.is_empty()).then_some(s)
    }

    /// Names under a property that holds people or organisations.
    fn names(&self, node: &Value, key: &str) -> Vec<String> {
        let Some(v) = node.get(key) else { return Vec::new() };
        let items: Vec<&Value> = match v {
            Value::Array(a) => a.iter().collect(),
            other => vec![other],
        };
        items
            .into_iter()
            .filter_map(|x| match self.resolve(x) {
                Value::String(s) if !s.contains("://") => Some(unescape_entities(s)),
                Value::Object(o) => o.get("name").and_then(|n| match n {
                    Value::String(s) => Some(unescape_entities(s)),
                    Value::Array(a) => a.first().and_then(Value::as_str).map(unescape_entities),
                    _ => None,
                }),
                _ => None,
            })
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|s| !s.is_empty())
            .collect()
    }

    fn url(&self, node: &Value) -> Option<String> {
        self.text(node, "url").or_else(|| {
            let m = node.get("mainEntityOfPage")?;
            m.as_str().map(str::to_string).or_else(|| m.get("@id").and_then(Value::as_str).map(str::to_string))
        })
    }
}

fn flatten(v: Value, out: &mut Vec<Value>, depth: usize) {
    if depth > 4 {
        return;
    }
    match v {
        Value::Array(a) => a.into_iter().for_each(|x| flatten(x, out, depth + 1)),
        Value::Object(mut o) => {
            if let Some(g) = o.remove("@graph") {
                flatten(g, out, depth + 1);
            }
            if o.contains_key("@type") {
                out.push(Value::Object(o));
            }
        }
        _ => {}
    }
}

fn type_names(n: &Value) -> Vec<&str> {
    match n.get("@type") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Decodes the HTML entities that publishers leave inside JSON-LD strings.
fn unescape_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "amp" => '&',
                "quot" => '"',
                "apos" => '\'',
                "lt" => '<',
                "gt" => '>',
                "nbsp" => ' ',
                _ => {
                    let n = name.strip_prefix('#')?;
                    let code = match n.strip_prefix(['x', 'X']) {
                        Some(h) => u32::from_str_radix(h, 16).ok()?,
                        None => n.parse().ok()?,
                    };
                    char::from_u32(code)?
                }
            };
            Some((c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Text of an HTML fragment (a feed entry's content): block elements and `<br>` become line
/// breaks, scripts and styles are dropped.
pub fn fragment_text(html: &str) -> String {
    let frag = Html::parse_fragment(html);
    let mut out = String::new();
    walk(*frag.root_element(), &mut out);
    paragraph_lines(&out)
}

fn walk(node: ego_tree::NodeRef<scraper::Node>, out: &mut String) {
    for child in node.children() {
        match child.value() {
            scraper::Node::Text(t) => out.push_str(t),
            scraper::Node::Element(e) => {
                let name = e.name();
                if matches!(name, "script" | "style" | "noscript" | "template") {
                    continue;
                }
                let block = matches!(
                    name,
                    "p" | "div" | "br" | "li" | "ul" | "ol" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "blockquote" | "pre" | "tr" | "table"
                        | "section" | "article" | "figure" | "figcaption" | "hr" | "dd" | "dt"
                );
                if block {
                    out.push('\n');
                }
                walk(child, out);
                if block {
                    out.push('\n');
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_parse() {
        for s in [
            "meta[content]",
            "html[lang]",
            "link[rel=canonical][href]",
            "head title, title",
            "h1",
            "time[datetime]",
            "[itemprop=datePublished]",
            "article time[datetime]",
            "[itemprop=author] [itemprop=name]",
            "a[rel=author]",
            "[itemprop=author]",
            ".byline, .author-name, .byline-name, .article-author",
            "script[type]",
        ] {
            assert!(Selector::parse(s).is_ok(), "{s}");
        }
    }

    #[test]
    fn languages() {
        assert_eq!(norm_lang("en_us").as_deref(), Some("en-US"));
        assert_eq!(norm_lang("fr").as_deref(), Some("fr"));
        assert_eq!(norm_lang("english"), None);
    }

    #[test]
    fn entities() {
        assert_eq!(unescape_entities("Tom &amp; Jerry&#39;s &#x2014; &bogus x"), "Tom & Jerry's \u{2014} &bogus x");
        assert_eq!(unescape_entities("a & b"), "a & b");
    }

    #[test]
    fn fragments() {
        assert_eq!(fragment_text("<p>One <b>two</b></p><p>Three<br>four</p><script>x()</script>"), "One two\nThree\nfour");
    }
}

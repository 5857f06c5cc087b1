//! Who-said-what scoring: a port of `shared/eval/score_quotes.py`.
//!
//! A predicted quote matches a gold quote when the F1 of their content characters
//! (whitespace and quote marks ignored) reaches `min_overlap`; pairs are taken greedily, best
//! first (Python's `sorted((score, i, j), reverse=True)`), one-to-one within a document.

use std::fmt;
use std::path::Path;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::{line_f, line_plain, load, missing_warning, py, Docs, EvalError, OrderedMap};

/// Characters that do not count as content.
const IGNORED: &[char] = &[
    ' ', '\t', '\n', '\r', '\u{a0}', '"', '\'', '“', '”', '‘', '’', '«', '»', '„', '‚',
];
/// Characters that make a gold quote "direct" (for the by-kind slices).
const DIRECT_MARKS: &[char] = &['"', '“', '”'];

/// Flags of `score_quotes.py`.
#[derive(Debug, Clone, PartialEq)]
pub struct QuoteOptions {
    /// `--min-overlap`: least content F1 for a match.
    pub min_overlap: f64,
    /// `--required-only`: gold quotes marked `"required": false` count neither way.
    pub required_only: bool,
}

impl Default for QuoteOptions {
    fn default() -> Self {
        QuoteOptions { min_overlap: 0.5, required_only: false }
    }
}

/// The figures of `score_quotes.py`; field names are its JSON keys, in its order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuoteReport {
    pub documents: usize,
    pub documents_missing_in_pred: usize,
    pub gold_quotes: usize,
    pub pred_quotes: usize,
    pub matched: usize,
    pub content_p: f64,
    pub content_r: f64,
    pub content_f1: f64,
    pub content_exact_rate: f64,
    pub source_acc_on_matched: f64,
    pub cue_acc_on_matched: f64,
    /// None where no matched gold quote names a speaker.
    pub speaker_acc_on_matched: Option<f64>,
    pub attribution_p: f64,
    pub attribution_r: f64,
    pub attribution_f1: f64,
    /// "direct" / "indirect" -> matched / gold.
    pub recall_by_kind: OrderedMap<f64>,
    /// "direct" / "indirect" -> matched with the right source / gold.
    pub attributed_recall_by_kind: OrderedMap<f64>,
    /// Lines for stderr.
    #[serde(skip)]
    pub warnings: Vec<String>,
}

impl QuoteReport {
    /// What `score_quotes.py --json` prints.
    pub fn to_json(&self) -> String {
        py::json_indent1(self)
    }
}

fn py_dict(m: &OrderedMap<f64>) -> String {
    let items: Vec<String> = m.iter().map(|(k, v)| format!("{}: {}", py::str_repr(k), py::float_repr(*v))).collect();
    format!("{{{}}}", items.join(", "))
}

impl fmt::Display for QuoteReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        line_plain(f, "documents", self.documents)?;
        line_plain(f, "documents_missing_in_pred", self.documents_missing_in_pred)?;
        line_plain(f, "gold_quotes", self.gold_quotes)?;
        line_plain(f, "pred_quotes", self.pred_quotes)?;
        line_plain(f, "matched", self.matched)?;
        line_f(f, "content_p", self.content_p)?;
        line_f(f, "content_r", self.content_r)?;
        line_f(f, "content_f1", self.content_f1)?;
        line_f(f, "content_exact_rate", self.content_exact_rate)?;
        line_f(f, "source_acc_on_matched", self.source_acc_on_matched)?;
        line_f(f, "cue_acc_on_matched", self.cue_acc_on_matched)?;
        match self.speaker_acc_on_matched {
            Some(v) => line_f(f, "speaker_acc_on_matched", v)?,
            None => line_plain(f, "speaker_acc_on_matched", "None")?,
        }
        line_f(f, "attribution_p", self.attribution_p)?;
        line_f(f, "attribution_r", self.attribution_r)?;
        line_f(f, "attribution_f1", self.attribution_f1)?;
        line_plain(f, "recall_by_kind", py_dict(&self.recall_by_kind))?;
        line_plain(f, "attributed_recall_by_kind", py_dict(&self.attributed_recall_by_kind))
    }
}

/// Spans as `span_of` reads them: None when absent; `Some(vec![])` for `[]`, which Python
/// treats as present (it would fail later on it; we count it as covering nothing).
type Spans = Option<Vec<(i64, i64)>>;

fn span_bound(v: &Value) -> Result<i64, String> {
    match v {
        Value::Number(n) => n.as_i64().ok_or_else(|| format!("span offset {n} is not an integer")),
        Value::Bool(b) => Ok(i64::from(*b)),
        other => Err(format!("span offset {} is not an integer", py::repr(other))),
    }
}

fn one_span(v: &Value) -> Result<(i64, i64), String> {
    match v {
        Value::Array(a) if a.len() == 2 => Ok((span_bound(&a[0])?, span_bound(&a[1])?)),
        other => Err(format!("span {} is not [start, end]", py::repr(other))),
    }
}

/// `span_of(q, key)`: `[s, e]`, `[[s, e], ...]`, `{"start", "end"}` or `{"span": [...]}`.
fn span_of(q: &Map<String, Value>, key: &str) -> Result<Spans, String> {
    let Some(s) = q.get(key).filter(|s| !s.is_null()) else { return Ok(None) };
    let resolved;
    let s = match s {
        Value::Object(o) => match o.get("span").filter(|x| py::truthy(x)) {
            Some(x) => x,
            None => {
                let get = |k: &str| o.get(k).cloned().unwrap_or(Value::Null);
                resolved = Value::Array(vec![get("start"), get("end")]);
                &resolved
            }
        },
        other => other,
    };
    match s {
        Value::Array(a) if a.is_empty() => Ok(Some(Vec::new())),
        Value::Array(a) if a[0].is_array() => a.iter().map(one_span).collect::<Result<Vec<_>, _>>().map(Some),
        other => Ok(Some(vec![one_span(other)?])),
    }
}

/// `chars(spans, text)`: the offsets of content characters covered, sorted (Python's
/// negative indices included; offsets past either end cover nothing).
fn chars(spans: &Spans, text: &[char]) -> Vec<i64> {
    let n = text.len() as i64;
    let mut out = Vec::new();
    for &(a, b) in spans.iter().flatten() {
        for i in a.max(-n)..b.min(n) {
            let idx = if i < 0 { i + n } else { i };
            if !IGNORED.contains(&text[idx as usize]) {
                out.push(i);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// `chars(a) & chars(b)` is not empty: some range of one overlaps some range of the other.
fn shares(a: &Spans, b: &Spans) -> bool {
    let (a, b) = (a.as_deref().unwrap_or(&[]), b.as_deref().unwrap_or(&[]));
    a.iter().any(|&(a0, a1)| b.iter().any(|&(b0, b1)| a0.max(b0) < a1.min(b1)))
}

fn intersection_len(a: &[i64], b: &[i64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// `f1(gold, pred)`, with Python's operation order so the float is the same.
fn f1(a: &[i64], b: &[i64]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let inter = intersection_len(a, b);
    if inter == 0 {
        return 0.0;
    }
    let p = inter as f64 / b.len() as f64;
    let r = inter as f64 / a.len() as f64;
    2.0 * p * r / (p + r)
}

/// Python's `text[a:b]` on code points.
fn slice(text: &[char], a: i64, b: i64) -> &[char] {
    let n = text.len() as i64;
    let norm = |x: i64| if x < 0 { (x + n).max(0) } else { x.min(n) };
    let (a, b) = (norm(a), norm(b));
    if a >= b {
        &[]
    } else {
        &text[a as usize..b as usize]
    }
}

fn is_direct(text: &[char], spans: &Spans) -> bool {
    spans.iter().flatten().any(|&(a, b)| slice(text, a, b).iter().any(|c| DIRECT_MARKS.contains(c)))
}

/// `speaker_name(q)`: the string, or None (Python's falsy values too).
fn speaker_name(q: &Map<String, Value>) -> Result<Option<String>, String> {
    let mut s = q.get("speaker").unwrap_or(&Value::Null);
    if let Value::Object(o) = s {
        s = o.get("name").unwrap_or(&Value::Null);
    }
    match s {
        Value::String(x) if !x.is_empty() => Ok(Some(x.clone())),
        other if !py::truthy(other) => Ok(None),
        other => Err(format!("speaker {} is not a name", py::repr(other))),
    }
}

fn quote_list<'a>(doc: Option<&'a Map<String, Value>>, ctx: &str) -> Result<Vec<&'a Map<String, Value>>, EvalError> {
    match doc.and_then(|d| d.get("quotes")) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(k, q)| q.as_object().ok_or_else(|| EvalError::invalid(format!("{ctx} quote {k}"), "not a JSON object")))
            .collect(),
        Some(v) if !py::truthy(v) => Ok(Vec::new()),
        Some(_) => Err(EvalError::invalid(ctx, "\"quotes\" is not a list")),
    }
}

#[derive(Default, Clone, Copy)]
struct Slice {
    gold: usize,
    matched: usize,
    attributed: usize,
}

/// One quote with its spans read.
struct Q<'a> {
    q: &'a Map<String, Value>,
    content: Spans,
    chars: Vec<i64>,
}

fn read_quotes<'a>(qs: &[&'a Map<String, Value>], text: &[char], ctx: &str) -> Result<Vec<Q<'a>>, EvalError> {
    qs.iter()
        .enumerate()
        .map(|(k, q)| {
            let content = span_of(q, "content").map_err(|m| EvalError::invalid(format!("{ctx} quote {k} content"), m))?;
            let chars = chars(&content, text);
            Ok(Q { q, content, chars })
        })
        .collect()
}

/// Score in-memory documents.
pub fn score_quotes_docs(gold: &Docs, pred: &Docs, opts: &QuoteOptions) -> Result<QuoteReport, EvalError> {
    let missing = gold.missing_in(pred);
    let (mut n_gold, mut n_pred, mut n_matched) = (0usize, 0usize, 0usize);
    let (mut source_ok, mut cue_ok, mut exact, mut speaker_gold, mut speaker_ok_n) = (0usize, 0usize, 0usize, 0usize, 0usize);
    let mut slices: OrderedMap<Slice> = OrderedMap::default();
    for (doc_id, g) in gold.iter() {
        let text: Vec<char> = match g.get("text") {
            Some(Value::String(t)) => t.chars().collect(),
            _ => return Err(EvalError::invalid(format!("gold {doc_id}"), "no \"text\" string")),
        };
        let gctx = format!("gold {doc_id}");
        let pctx = format!("pred {doc_id}");
        let all_gold = quote_list(Some(g), &gctx)?;
        let pq = read_quotes(&quote_list(pred.get(doc_id), &pctx)?, &text, &pctx)?;
        let is_optional = |q: &Map<String, Value>| opts.required_only && q.get("required") == Some(&Value::Bool(false));
        let optional: Vec<_> = all_gold.iter().copied().filter(|q| is_optional(q)).collect();
        let required: Vec<_> = all_gold.iter().copied().filter(|q| !is_optional(q)).collect();
        let gq = read_quotes(&required, &text, &gctx)?;
        let oq = read_quotes(&optional, &text, &gctx)?;

        // pairs below the threshold are never taken (the Python loop breaks there); a NaN
        // threshold lets every pair through, as in Python
        let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
        for (i, g) in gq.iter().enumerate() {
            for (j, p) in pq.iter().enumerate() {
                let score = f1(&g.chars, &p.chars);
                if score.partial_cmp(&opts.min_overlap) != Some(std::cmp::Ordering::Less) {
                    pairs.push((score, i, j));
                }
            }
        }
        pairs.sort_by(|x, y| y.0.total_cmp(&x.0).then(y.1.cmp(&x.1)).then(y.2.cmp(&x.2)));
        let mut gi_used = vec![false; gq.len()];
        let mut pj_used = vec![false; pq.len()];
        let mut matched = Vec::new();
        for (score, i, j) in pairs {
            if gi_used[i] || pj_used[j] {
                continue;
            }
            gi_used[i] = true;
            pj_used[j] = true;
            matched.push((i, j, score));
        }
        // predictions that only match an optional gold quote are neither right nor wrong
        let ignored = (0..pq.len())
            .filter(|&j| !pj_used[j] && oq.iter().any(|o| f1(&o.chars, &pq[j].chars) >= opts.min_overlap))
            .count();
        n_gold += gq.len();
        n_pred += pq.len() - ignored;
        n_matched += matched.len();
        for &(i, j, score) in &matched {
            let (gqi, pqj) = (gq[i].q, pq[j].q);
            let ctx_g = format!("{gctx} quote {i}");
            let ctx_p = format!("{pctx} quote {j}");
            let gs = span_of(gqi, "source").map_err(|m| EvalError::invalid(&ctx_g, m))?;
            let ps = span_of(pqj, "source").map_err(|m| EvalError::invalid(&ctx_p, m))?;
            let gname = speaker_name(gqi).map_err(|m| EvalError::invalid(&ctx_g, m))?;
            let pname = speaker_name(pqj).map_err(|m| EvalError::invalid(&ctx_p, m))?.unwrap_or_default().to_lowercase();
            let speaker_ok = gname
                .as_deref()
                .and_then(|n| py::last_word(&n.to_lowercase()).map(|w| pname.contains(w)))
                .unwrap_or(false);
            // a continued quote has no source of its own: pointing back to its speaker is right too
            let src_ok = (gs.is_none() && ps.is_none())
                || (gs.is_some() && ps.is_some() && shares(&gs, &ps))
                || (gs.is_none() && speaker_ok);
            let gcue = span_of(gqi, "cue").map_err(|m| EvalError::invalid(&ctx_g, m))?;
            let pcue = span_of(pqj, "cue").map_err(|m| EvalError::invalid(&ctx_p, m))?;
            let c_ok = (gcue.is_none() && pcue.is_none()) || (gcue.is_some() && pcue.is_some() && shares(&gcue, &pcue));
            source_ok += usize::from(src_ok);
            cue_ok += usize::from(c_ok);
            exact += usize::from(score >= 0.999);
            if gname.is_some() {
                speaker_gold += 1;
                speaker_ok_n += usize::from(speaker_ok);
            }
            let kind = if is_direct(&text, &gq[i].content) { "direct" } else { "indirect" };
            let s = slices.entry(kind);
            s.matched += 1;
            s.attributed += usize::from(src_ok);
        }
        for q in &gq {
            let kind = if is_direct(&text, &q.content) { "direct" } else { "indirect" };
            slices.entry(kind).gold += 1;
        }
    }
    let ratio = |a: usize, b: usize| if b > 0 { a as f64 / b as f64 } else { 0.0 };
    let (cp, cr, cf) = prf(n_matched, n_pred, n_gold);
    let (ap, ar, af) = prf(source_ok, n_pred, n_gold);
    let by_kind = |f: fn(&Slice) -> usize| {
        OrderedMap(slices.iter().filter(|(_, v)| v.gold > 0).map(|(k, v)| (k.to_string(), f(v) as f64 / v.gold as f64)).collect())
    };
    Ok(QuoteReport {
        documents: gold.len(),
        documents_missing_in_pred: missing,
        gold_quotes: n_gold,
        pred_quotes: n_pred,
        matched: n_matched,
        content_p: cp,
        content_r: cr,
        content_f1: cf,
        content_exact_rate: ratio(exact, n_matched),
        source_acc_on_matched: ratio(source_ok, n_matched),
        cue_acc_on_matched: ratio(cue_ok, n_matched),
        speaker_acc_on_matched: (speaker_gold > 0).then(|| speaker_ok_n as f64 / speaker_gold as f64),
        attribution_p: ap,
        attribution_r: ar,
        attribution_f1: af,
        recall_by_kind: by_kind(|s| s.matched),
        attributed_recall_by_kind: by_kind(|s| s.attributed),
        warnings: missing_warning(missing).into_iter().collect(),
    })
}

/// `prf(tp, npred, ngold)` of the Python scorers.
pub(crate) fn prf(tp: usize, npred: usize, ngold: usize) -> (f64, f64, f64) {
    let p = if npred > 0 { tp as f64 / npred as f64 } else { 0.0 };
    let r = if ngold > 0 { tp as f64 / ngold as f64 } else { 0.0 };
    (p, r, if p + r != 0.0 { 2.0 * p * r / (p + r) } else { 0.0 })
}

/// `score_quotes.py GOLD PRED`.
pub fn score_quotes(gold: &Path, pred: &Path, opts: &QuoteOptions) -> Result<QuoteReport, EvalError> {
    score_quotes_docs(&load(gold)?, &load(pred)?, opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn docs(v: Value) -> Docs {
        Docs::from_objects(v.as_array().unwrap().iter().map(|d| d.as_object().unwrap().clone()))
    }

    const TEXT: &str = "Aa bb cc dd ee. \"Ff gg hh,\" she said. Ii jj kk, Lee told them. \"Mm nn.\"";

    fn gold() -> Docs {
        docs(json!([{"id": "d", "text": TEXT, "quotes": [
            {"content": [[0, 14]], "source": [48, 51], "cue": [52, 56], "speaker": "Ann Lee"},
            {"content": [[16, 27]], "source": [28, 31], "cue": [32, 36], "speaker": "Ann Lee"},
            {"content": [[63, 71]], "source": null, "cue": null, "speaker": "Ann Lee"}
        ]}]))
    }

    #[test]
    fn perfect_prediction() {
        let g = gold();
        let r = score_quotes_docs(&g, &g, &QuoteOptions::default()).unwrap();
        assert_eq!((r.gold_quotes, r.pred_quotes, r.matched), (3, 3, 3));
        assert_eq!((r.content_f1, r.attribution_f1, r.content_exact_rate), (1.0, 1.0, 1.0));
        assert_eq!(r.speaker_acc_on_matched, Some(1.0));
        // the first matched pair (best first: highest gold index on ties) is direct
        assert_eq!(r.recall_by_kind.0.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["direct", "indirect"]);
        assert!(r.warnings.is_empty());
    }

    #[test]
    fn continued_quote_takes_the_speaker() {
        // the third gold quote has no source: a prediction naming the speaker is right
        let p = docs(json!([{"id": "d", "quotes": [
            {"content": {"start": 63, "end": 71}, "source": [10, 12], "speaker": {"name": "Lee"}},
        ]}]));
        let r = score_quotes_docs(&gold(), &p, &QuoteOptions::default()).unwrap();
        assert_eq!(r.matched, 1);
        assert_eq!(r.source_acc_on_matched, 1.0);
        assert_eq!(r.cue_acc_on_matched, 1.0); // both without a cue
        let p = docs(json!([{"id": "d", "quotes": [{"content": [63, 71], "source": [10, 12], "speaker": "Bob"}]}]));
        let r = score_quotes_docs(&gold(), &p, &QuoteOptions::default()).unwrap();
        assert_eq!(r.source_acc_on_matched, 0.0);
        assert_eq!(r.speaker_acc_on_matched, Some(0.0));
    }

    #[test]
    fn ties_break_like_python_reverse_sort() {
        // two identical gold quotes, one prediction: Python takes the highest gold index
        let g = docs(json!([{"id": "d", "text": "abcdef", "quotes": [
            {"content": [0, 4], "source": [4, 5]},
            {"content": [0, 4], "source": [5, 6]},
        ]}]));
        let p = docs(json!([{"id": "d", "quotes": [{"content": [0, 4], "source": [5, 6]}]}]));
        let r = score_quotes_docs(&g, &p, &QuoteOptions::default()).unwrap();
        assert_eq!(r.source_acc_on_matched, 1.0);
    }

    #[test]
    fn optional_gold_counts_neither_way() {
        let g = docs(json!([{"id": "d", "text": TEXT, "quotes": [
            {"content": [0, 14], "source": [38, 41]},
            {"content": [16, 27], "source": [28, 31], "required": false},
        ]}]));
        let p = docs(json!([{"id": "d", "quotes": [{"content": [16, 27]}, {"content": [50, 55]}]}]));
        let all = score_quotes_docs(&g, &p, &QuoteOptions::default()).unwrap();
        assert_eq!((all.gold_quotes, all.pred_quotes, all.matched), (2, 2, 1));
        let req = score_quotes_docs(&g, &p, &QuoteOptions { required_only: true, ..Default::default() }).unwrap();
        assert_eq!((req.gold_quotes, req.pred_quotes, req.matched), (1, 1, 0));
    }

    #[test]
    fn multi_span_content_and_ignored_characters() {
        let g = docs(json!([{"id": "d", "text": "\"ab cd\" x \"ef\"", "quotes": [{"content": [[0, 7], [10, 14]]}]}]));
        // quote marks and spaces do not count: "ab cd" alone is 4 of 6 content characters
        let p = docs(json!([{"id": "d", "quotes": [{"content": [1, 6]}]}]));
        let r = score_quotes_docs(&g, &p, &QuoteOptions::default()).unwrap();
        assert_eq!(r.matched, 1);
        assert_eq!(r.content_exact_rate, 0.0);
        assert_eq!(r.recall_by_kind.get("direct"), Some(&1.0));
        let r = score_quotes_docs(&g, &p, &QuoteOptions { min_overlap: 0.9, ..Default::default() }).unwrap();
        assert_eq!(r.matched, 0);
    }

    #[test]
    fn missing_documents_count_as_empty() {
        let r = score_quotes_docs(&gold(), &docs(json!([])), &QuoteOptions::default()).unwrap();
        assert_eq!((r.documents_missing_in_pred, r.pred_quotes, r.content_r), (1, 0, 0.0));
        assert_eq!(r.speaker_acc_on_matched, None);
        assert_eq!(r.warnings, ["warning: 1 gold documents have no prediction line"]);
        let text = r.to_string();
        assert!(text.contains("speaker_acc_on_matched       None\n"), "{text}");
        assert!(text.contains("recall_by_kind               {'indirect': 0.0, 'direct': 0.0}"), "{text}");
    }

    #[test]
    fn bad_spans_are_errors_not_panics() {
        let p = docs(json!([{"id": "d", "quotes": [{"content": "abc"}]}]));
        let e = score_quotes_docs(&gold(), &p, &QuoteOptions::default()).unwrap_err();
        assert!(e.to_string().starts_with("pred d quote 0 content"), "{e}");
        let p = docs(json!([{"id": "d", "quotes": [{"content": [[-3, 99999999]]}, {"content": []}]}]));
        assert!(score_quotes_docs(&gold(), &p, &QuoteOptions::default()).is_ok());
    }
}

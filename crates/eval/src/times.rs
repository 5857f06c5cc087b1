//! Time-expression scoring (TIMEX3 spans, types, values), TempEval-3 style: a port of
//! `shared/eval/score_times.py`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::quotes::prf;
use crate::{line_f, line_plain, load, missing_warning, py, Docs, EvalError, OrderedMap};

/// Flags of `score_times.py`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TimeOptions {
    /// `--required-only`: gold times marked `"required": false` count neither way.
    pub required_only: bool,
}

/// Per gold type figures (`by_type`), rounded to 4 places as in Python.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeTypeStats {
    pub gold: usize,
    pub relaxed_r: Option<f64>,
    pub value_acc_on_matched: Option<f64>,
}

/// The figures of `score_times.py`; field names are its JSON keys, in its order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeReport {
    pub documents: usize,
    pub documents_missing_in_pred: usize,
    pub gold_times: usize,
    pub pred_times: usize,
    pub strict_matched: usize,
    pub relaxed_matched: usize,
    pub strict_p: f64,
    pub strict_r: f64,
    pub strict_f1: f64,
    pub relaxed_p: f64,
    pub relaxed_r: f64,
    pub relaxed_f1: f64,
    pub type_acc_on_matched: f64,
    pub value_acc_on_matched: f64,
    pub type_f1: f64,
    pub value_p: f64,
    pub value_r: f64,
    pub value_f1: f64,
    /// Gold type (normalised, "?" when none) -> figures, sorted by type.
    pub by_type: OrderedMap<TimeTypeStats>,
    /// Lines for stderr.
    #[serde(skip)]
    pub warnings: Vec<String>,
}

impl TimeReport {
    /// What `score_times.py --json` prints.
    pub fn to_json(&self) -> String {
        py::json_indent1(self)
    }
}

impl fmt::Display for TimeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        line_plain(f, "documents", self.documents)?;
        line_plain(f, "documents_missing_in_pred", self.documents_missing_in_pred)?;
        line_plain(f, "gold_times", self.gold_times)?;
        line_plain(f, "pred_times", self.pred_times)?;
        line_plain(f, "strict_matched", self.strict_matched)?;
        line_plain(f, "relaxed_matched", self.relaxed_matched)?;
        for (k, v) in [
            ("strict_p", self.strict_p),
            ("strict_r", self.strict_r),
            ("strict_f1", self.strict_f1),
            ("relaxed_p", self.relaxed_p),
            ("relaxed_r", self.relaxed_r),
            ("relaxed_f1", self.relaxed_f1),
            ("type_acc_on_matched", self.type_acc_on_matched),
            ("value_acc_on_matched", self.value_acc_on_matched),
            ("type_f1", self.type_f1),
            ("value_p", self.value_p),
            ("value_r", self.value_r),
            ("value_f1", self.value_f1),
        ] {
            line_f(f, k, v)?;
        }
        writeln!(f, "{:28}", "by_type")?;
        for (k, v) in self.by_type.iter() {
            writeln!(f, "  {k:26} {}", py::json_compact(v))?;
        }
        Ok(())
    }
}

type Span = (i64, i64);

/// Python's `len(s)` and `s[k]` for the sequences `span_of` may meet: a list, or a string.
fn as_seq(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::Array(a) => Some(a.clone()),
        Value::String(s) => Some(s.chars().map(|c| Value::String(c.to_string())).collect()),
        _ => None,
    }
}

/// `span_of(item)`: `"span": [s, e]` or `{"start", "end"}`, or `start`/`end` on the item.
fn span_of(item: &Map<String, Value>) -> Result<Option<Span>, String> {
    let get = |o: &Map<String, Value>, k: &str| o.get(k).cloned().unwrap_or(Value::Null);
    let mut s = get(item, "span");
    if let Value::Object(o) = &s {
        s = Value::Array(vec![get(o, "start"), get(o, "end")]);
    }
    if s.is_null() && item.contains_key("start") {
        s = Value::Array(vec![get(item, "start"), get(item, "end")]);
    }
    if !py::truthy(&s) {
        return Ok(None);
    }
    let seq = as_seq(&s).ok_or_else(|| format!("span {} has no length", py::repr(&s)))?;
    if seq.len() != 2 || seq[0].is_null() || seq[1].is_null() {
        return Ok(None);
    }
    Ok(Some((py::int_of(&seq[0])?, py::int_of(&seq[1])?)))
}

/// `str(x or "").strip().upper()`.
pub(crate) fn norm(x: Option<&Value>) -> String {
    match x {
        Some(v) if py::truthy(v) => py::strip(&py::str_of(v)).to_uppercase(),
        _ => String::new(),
    }
}

fn overlap(a: Span, b: Span) -> i64 {
    a.1.min(b.1).saturating_sub(a.0.max(b.0)).max(0)
}

struct T<'a> {
    item: &'a Map<String, Value>,
    span: Span,
}

/// One-to-one pairs over overlapping spans where `ok`: identical spans first, then the
/// largest overlap, then document order.
fn greedy(gold: &[T], pred: &[T], ok: impl Fn(&T, &T) -> bool) -> Vec<(usize, usize)> {
    let mut cand = Vec::new();
    for (i, g) in gold.iter().enumerate() {
        for (j, p) in pred.iter().enumerate() {
            let ov = overlap(g.span, p.span);
            if ov > 0 && ok(g, p) {
                cand.push((g.span != p.span, -ov, i, j));
            }
        }
    }
    cand.sort();
    let mut gi = vec![false; gold.len()];
    let mut pj = vec![false; pred.len()];
    let mut pairs = Vec::new();
    for (_, _, i, j) in cand {
        if gi[i] || pj[j] {
            continue;
        }
        gi[i] = true;
        pj[j] = true;
        pairs.push((i, j));
    }
    pairs
}

fn items<'a>(doc: Option<&'a Map<String, Value>>, key: &str, ctx: &str) -> Result<Vec<&'a Map<String, Value>>, EvalError> {
    match doc.and_then(|d| d.get(key)) {
        Some(Value::Array(a)) => a
            .iter()
            .map(|t| t.as_object().ok_or_else(|| EvalError::invalid(ctx, format!("{} is not a JSON object", py::repr(t)))))
            .collect(),
        Some(v) if py::truthy(v) => Err(EvalError::invalid(ctx, format!("\"{key}\" is not a list"))),
        _ => Ok(Vec::new()),
    }
}

/// `s[0] >= limit` for an int offset and a JSON number limit.
fn at_or_after(start: i64, limit: &Value) -> Result<bool, String> {
    match limit {
        Value::Number(n) => match n.as_i64() {
            Some(l) => Ok(start >= l),
            None => Ok((start as f64) >= n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::Bool(b) => Ok(start >= i64::from(*b)),
        other => Err(format!("annotated_until {} is not a number", py::repr(other))),
    }
}

#[derive(Default)]
struct TypeCount {
    gold: usize,
    matched: usize,
    value_ok: usize,
}

/// Score in-memory documents.
pub fn score_times_docs(gold: &Docs, pred: &Docs, opts: &TimeOptions) -> Result<TimeReport, EvalError> {
    let missing = gold.missing_in(pred);
    let mut c: HashMap<&str, usize> = HashMap::new();
    let mut by_type: BTreeMap<String, TypeCount> = BTreeMap::new();
    let mut bad_spans = 0usize;
    for (doc_id, g) in gold.iter() {
        let gctx = format!("gold {doc_id}");
        let pctx = format!("pred {doc_id}");
        let limit = g.get("annotated_until").filter(|v| !v.is_null());
        let mut gt = Vec::new();
        for t in items(Some(g), "times", &gctx)? {
            match span_of(t).map_err(|m| EvalError::invalid(&gctx, m))? {
                Some(span) => gt.push(T { item: t, span }),
                None => return Err(EvalError::invalid(&gctx, format!("time without span: {}", py::repr(&Value::Object(t.clone()))))),
            }
        }
        let mut pt = Vec::new();
        for t in items(pred.get(doc_id), "times", &pctx)? {
            let s = span_of(t).map_err(|m| EvalError::invalid(&pctx, m))?;
            match s {
                Some(span) if span.1 > span.0 => {
                    if let Some(l) = limit {
                        if at_or_after(span.0, l).map_err(|m| EvalError::invalid(&gctx, m))? {
                            continue;
                        }
                    }
                    pt.push(T { item: t, span });
                }
                // unusable prediction: still counts as predicted
                _ => {
                    bad_spans += 1;
                    pt.push(T { item: t, span: (-2, -1) });
                }
            }
        }
        let is_optional = |t: &T| opts.required_only && t.item.get("required") == Some(&Value::Bool(false));
        let (optional, gt): (Vec<T>, Vec<T>) = gt.into_iter().partition(is_optional);
        // predictions that overlap only optional gold times are neither right nor wrong
        if !optional.is_empty() {
            pt.retain(|p| {
                gt.iter().any(|t| overlap(p.span, t.span) > 0) || !optional.iter().any(|o| overlap(p.span, o.span) > 0)
            });
        }
        *c.entry("gold").or_default() += gt.len();
        *c.entry("pred").or_default() += pt.len();
        let mut gs: HashMap<Span, usize> = HashMap::new();
        for t in &gt {
            *gs.entry(t.span).or_default() += 1;
        }
        for p in &pt {
            if let Some(n) = gs.get_mut(&p.span).filter(|n| **n > 0) {
                *n -= 1;
                *c.entry("strict").or_default() += 1;
            }
        }
        let pairs = greedy(&gt, &pt, |_, _| true);
        *c.entry("relaxed").or_default() += pairs.len();
        for (i, j) in pairs {
            let (gi, pj) = (gt[i].item, pt[j].item);
            let type_ok = norm(gi.get("type")) == norm(pj.get("type"));
            let v_ok = norm(gi.get("value")) == norm(pj.get("value"));
            *c.entry("type_ok").or_default() += usize::from(type_ok);
            *c.entry("value_ok").or_default() += usize::from(v_ok);
            let bt = by_type.entry(type_key(gi)).or_default();
            bt.matched += 1;
            bt.value_ok += usize::from(v_ok);
        }
        for t in &gt {
            by_type.entry(type_key(t.item)).or_default().gold += 1;
        }
        let value_tp = greedy(&gt, &pt, |a, b| norm(a.item.get("value")) == norm(b.item.get("value"))).len();
        *c.entry("value_tp").or_default() += value_tp;
    }
    let n = |k: &str| c.get(k).copied().unwrap_or(0);
    let (sp, sr, sf) = prf(n("strict"), n("pred"), n("gold"));
    let (rp, rr, rf) = prf(n("relaxed"), n("pred"), n("gold"));
    let (_, _, tf) = prf(n("type_ok"), n("pred"), n("gold"));
    let (vp, vr, vf) = prf(n("value_tp"), n("pred"), n("gold"));
    let ratio = |a: usize, b: usize| if b > 0 { a as f64 / b as f64 } else { 0.0 };
    let by_type = OrderedMap(
        by_type
            .into_iter()
            .filter(|(_, v)| v.gold > 0)
            .map(|(k, v)| {
                let stats = TimeTypeStats {
                    gold: v.gold,
                    relaxed_r: Some(py::round(v.matched as f64 / v.gold as f64, 4)),
                    value_acc_on_matched: (v.matched > 0).then(|| py::round(v.value_ok as f64 / v.matched as f64, 4)),
                };
                (k, stats)
            })
            .collect(),
    );
    let mut warnings: Vec<String> = missing_warning(missing).into_iter().collect();
    if bad_spans > 0 {
        warnings.push(format!("warning: {bad_spans} predicted times have no usable span (counted as wrong)"));
    }
    Ok(TimeReport {
        documents: gold.len(),
        documents_missing_in_pred: missing,
        gold_times: n("gold"),
        pred_times: n("pred"),
        strict_matched: n("strict"),
        relaxed_matched: n("relaxed"),
        strict_p: sp,
        strict_r: sr,
        strict_f1: sf,
        relaxed_p: rp,
        relaxed_r: rr,
        relaxed_f1: rf,
        type_acc_on_matched: ratio(n("type_ok"), n("relaxed")),
        value_acc_on_matched: ratio(n("value_ok"), n("relaxed")),
        type_f1: tf,
        value_p: vp,
        value_r: vr,
        value_f1: vf,
        by_type,
        warnings,
    })
}

fn type_key(t: &Map<String, Value>) -> String {
    let k = norm(t.get("type"));
    if k.is_empty() {
        "?".into()
    } else {
        k
    }
}

/// `score_times.py GOLD PRED`.
pub fn score_times(gold: &Path, pred: &Path, opts: &TimeOptions) -> Result<TimeReport, EvalError> {
    score_times_docs(&load(gold)?, &load(pred)?, opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn docs(v: Value) -> Docs {
        Docs::from_objects(v.as_array().unwrap().iter().map(|d| d.as_object().unwrap().clone()))
    }

    fn gold() -> Docs {
        docs(json!([{"id": "a", "text": "x", "annotated_until": 100, "times": [
            {"span": [0, 10], "type": "DATE", "value": "2024-11-07"},
            {"span": [20, 25], "type": "date", "value": "PRESENT_REF"},
            {"start": 30, "end": 40, "type": "DURATION", "value": "P1D", "required": false},
        ]}]))
    }

    #[test]
    fn strict_relaxed_value() {
        let p = docs(json!([{"id": "a", "times": [
            {"span": [0, 10], "type": "DATE", "value": "2024-11-07"},
            {"span": {"start": 18, "end": 22}, "type": "TIME", "value": " present_ref "},
            {"span": [150, 160], "type": "DATE", "value": "X"},
            {"span": [5, 5]},
        ]}]));
        let r = score_times_docs(&gold(), &p, &TimeOptions::default()).unwrap();
        // beyond annotated_until is dropped; the empty span counts as a wrong prediction
        assert_eq!((r.gold_times, r.pred_times, r.strict_matched, r.relaxed_matched), (3, 3, 1, 2));
        assert_eq!(r.type_acc_on_matched, 0.5);
        assert_eq!(r.value_acc_on_matched, 1.0);
        let date = r.by_type.get("DATE").unwrap();
        assert_eq!((date.gold, date.relaxed_r, date.value_acc_on_matched), (2, Some(1.0), Some(1.0)));
        assert_eq!(r.by_type.get("DURATION").unwrap().value_acc_on_matched, None);
        assert_eq!(r.warnings, ["warning: 1 predicted times have no usable span (counted as wrong)"]);
        assert!(r.to_string().contains("  DURATION                   {\"gold\": 1, \"relaxed_r\": 0.0, \"value_acc_on_matched\": null}\n"));
    }

    #[test]
    fn identical_span_wins_over_larger_overlap_and_optional_is_ignored() {
        let g = docs(json!([{"id": "a", "times": [{"span": [0, 4], "value": "A"}, {"span": [2, 12], "value": "B"}]}]));
        let p = docs(json!([{"id": "a", "times": [{"span": [0, 10], "value": "B"}, {"span": [0, 4], "value": "A"}]}]));
        let r = score_times_docs(&g, &p, &TimeOptions::default()).unwrap();
        assert_eq!((r.relaxed_matched, r.value_p), (2, 1.0));
        let g = gold();
        let p = docs(json!([{"id": "a", "times": [{"span": [32, 35]}, {"span": [50, 55]}]}]));
        let r = score_times_docs(&g, &p, &TimeOptions { required_only: true }).unwrap();
        assert_eq!((r.gold_times, r.pred_times), (2, 1));
        let r = score_times_docs(&g, &docs(json!([])), &TimeOptions::default()).unwrap();
        assert_eq!(r.documents_missing_in_pred, 1);
    }
}

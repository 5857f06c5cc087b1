//! Named-entity mention scoring, CoNLL-2003 style (exact span and type): a port of
//! `shared/eval/score_entities.py`.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::quotes::prf;
use crate::{line_f, line_plain, load, missing_warning, py, Docs, EvalError, OrderedMap};

/// The four CoNLL classes, in report order.
const CLASSES: [&str; 4] = ["PER", "ORG", "LOC", "MISC"];
/// OntoNotes value types: never entities in CoNLL-2003.
const VALUE_TYPES: [&str; 7] = ["DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"];

/// Flags of `score_entities.py`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EntityOptions {
    /// `--keep-value-types`: score value types as MISC instead of dropping them.
    pub keep_value_types: bool,
    /// `--required-only`: gold entities marked `"required": false` count neither way.
    pub required_only: bool,
}

/// Per-type figures (rounded to 4 places as in Python).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeScore {
    pub p: f64,
    pub r: f64,
    pub f1: f64,
    pub gold: usize,
    pub pred: usize,
}

/// The figures of `score_entities.py`; field names are its JSON keys, in its order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntityReport {
    pub documents: usize,
    pub documents_missing_in_pred: usize,
    pub gold_mentions: usize,
    pub pred_mentions: usize,
    pub correct: usize,
    pub p: f64,
    pub r: f64,
    pub f1: f64,
    pub untyped_p: f64,
    pub untyped_r: f64,
    pub untyped_f1: f64,
    pub per_type: OrderedMap<TypeScore>,
    /// Raw predicted type -> mentions scored as MISC, most common first.
    pub pred_types_mapped_to_misc: OrderedMap<usize>,
    /// Raw predicted type -> mentions dropped as value types, most common first.
    pub pred_mentions_dropped_value_types: OrderedMap<usize>,
    /// Lines for stderr.
    #[serde(skip)]
    pub warnings: Vec<String>,
}

impl EntityReport {
    /// What `score_entities.py --json` prints.
    pub fn to_json(&self) -> String {
        py::json_indent1(self)
    }
}

impl fmt::Display for EntityReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        line_plain(f, "documents", self.documents)?;
        line_plain(f, "documents_missing_in_pred", self.documents_missing_in_pred)?;
        line_plain(f, "gold_mentions", self.gold_mentions)?;
        line_plain(f, "pred_mentions", self.pred_mentions)?;
        line_plain(f, "correct", self.correct)?;
        for (k, v) in [
            ("p", self.p),
            ("r", self.r),
            ("f1", self.f1),
            ("untyped_p", self.untyped_p),
            ("untyped_r", self.untyped_r),
            ("untyped_f1", self.untyped_f1),
        ] {
            line_f(f, k, v)?;
        }
        writeln!(f, "{:28} {:>6} {:>6} {:>6} {:>7} {:>7}", "per_type", "p", "r", "f1", "gold", "pred")?;
        for (t, m) in self.per_type.iter() {
            writeln!(
                f,
                "  {t:26} {:>6} {:>6} {:>6} {:7} {:7}",
                py::fixed(m.p, 3),
                py::fixed(m.r, 3),
                py::fixed(m.f1, 3),
                m.gold,
                m.pred
            )?;
        }
        line_plain(f, "pred_types_mapped_to_misc", py::json_compact(&self.pred_types_mapped_to_misc))?;
        line_plain(f, "pred_mentions_dropped_value_types", py::json_compact(&self.pred_mentions_dropped_value_types))
    }
}

/// `map_type(t, keep_values)`: one of the four classes, or None for a dropped value type.
fn map_type(t: Option<&Value>, keep_values: bool) -> Option<&'static str> {
    map_raw(&crate::times::norm(t), keep_values)
}

fn map_raw(t: &str, keep_values: bool) -> Option<&'static str> {
    match t {
        "PER" | "PERSON" => Some("PER"),
        "ORG" | "ORGANIZATION" | "ORGANISATION" => Some("ORG"),
        "LOC" | "LOCATION" | "GPE" => Some("LOC"),
        "MISC" => Some("MISC"),
        t if VALUE_TYPES.contains(&t) && !keep_values => None,
        _ => Some("MISC"),
    }
}

type Span = (i64, i64);

/// `as_span(s)`: `[s, e]` or `{"start", "end"}`; None for anything else.
fn as_span(s: &Value) -> Result<Option<Span>, String> {
    let pair = match s {
        Value::Object(o) => [o.get("start").cloned().unwrap_or(Value::Null), o.get("end").cloned().unwrap_or(Value::Null)],
        Value::Array(a) if a.len() == 2 => [a[0].clone(), a[1].clone()],
        _ => return Ok(None),
    };
    if pair[0].is_null() || pair[1].is_null() {
        return Ok(None);
    }
    Ok(Some((py::int_of(&pair[0])?, py::int_of(&pair[1])?)))
}

/// `spans_of(item)`: its `span` and its `mentions` (each `[s, e]`, `{"start", "end"}` or
/// `{"span": ...}`).
fn spans_of(item: &Map<String, Value>) -> Result<Vec<Span>, String> {
    let mut out = Vec::new();
    if let Some(s) = item.get("span").filter(|s| !s.is_null()) {
        out.extend(as_span(s)?);
    }
    match item.get("mentions") {
        Some(Value::Array(ms)) => {
            for m in ms {
                let s = match m {
                    Value::Object(o) if o.contains_key("span") => &o["span"],
                    other => other,
                };
                out.extend(as_span(s)?);
            }
        }
        // Python iterates a string's characters or a dict's keys: none is a span
        Some(Value::String(_) | Value::Object(_)) | None => {}
        Some(v) if !py::truthy(v) => {}
        Some(v) => return Err(format!("mentions {} is not a list", py::repr(v))),
    }
    Ok(out)
}

fn entity_list<'a>(doc: Option<&'a Map<String, Value>>, ctx: &str) -> Result<Vec<&'a Map<String, Value>>, EvalError> {
    match doc.and_then(|d| d.get("entities")) {
        Some(Value::Array(a)) => a
            .iter()
            .map(|e| e.as_object().ok_or_else(|| EvalError::invalid(ctx, format!("entity {} is not a JSON object", py::repr(e)))))
            .collect(),
        Some(v) if py::truthy(v) => Err(EvalError::invalid(ctx, "\"entities\" is not a list")),
        _ => Ok(Vec::new()),
    }
}

/// A Python `Counter` with insertion order, for `most_common()`.
fn bump(c: &mut OrderedMap<usize>, key: &str, n: usize) {
    *c.entry(key) += n;
}

/// `dict(counter.most_common())`: by count, descending, stable for ties.
fn most_common(mut c: OrderedMap<usize>) -> OrderedMap<usize> {
    c.0.sort_by_key(|e| std::cmp::Reverse(e.1));
    c
}

#[derive(Default, Clone, Copy)]
struct Count {
    gold: usize,
    pred: usize,
    tp: usize,
}

/// Score in-memory documents.
pub fn score_entities_docs(gold: &Docs, pred: &Docs, opts: &EntityOptions) -> Result<EntityReport, EvalError> {
    let missing = gold.missing_in(pred);
    let (mut c_gold, mut c_pred, mut c_tp) = (0usize, 0usize, 0usize);
    let (mut c_gs, mut c_ps, mut c_tps) = (0usize, 0usize, 0usize);
    let mut per: [Count; 4] = [Count::default(); 4];
    let class_idx = |t: &str| CLASSES.iter().position(|c| *c == t).unwrap_or(3);
    let mut to_misc = OrderedMap::default();
    let mut dropped = OrderedMap::default();
    for (doc_id, g) in gold.iter() {
        let gctx = format!("gold {doc_id}");
        let pctx = format!("pred {doc_id}");
        let mut gm: HashSet<(Span, &str)> = HashSet::new();
        let mut optional: HashSet<(Span, &str)> = HashSet::new();
        for e in entity_list(Some(g), &gctx)? {
            let Some(t) = map_type(e.get("type"), opts.keep_value_types) else { continue };
            let is_opt = opts.required_only && e.get("required") == Some(&Value::Bool(false));
            for s in spans_of(e).map_err(|m| EvalError::invalid(&gctx, m))? {
                if is_opt { &mut optional } else { &mut gm }.insert((s, t));
            }
        }
        let mut pm: HashSet<(Span, &str)> = HashSet::new();
        for e in entity_list(pred.get(doc_id), &pctx)? {
            let raw = norm_raw(e.get("type"));
            let spans = spans_of(e).map_err(|m| EvalError::invalid(&pctx, m))?;
            let Some(t) = map_raw(&raw, opts.keep_value_types) else {
                bump(&mut dropped, &raw, spans.len());
                continue;
            };
            if t == "MISC" && raw != "MISC" {
                bump(&mut to_misc, &raw, spans.len());
            }
            pm.extend(spans.into_iter().map(|s| (s, t)));
        }
        let opt_spans: HashSet<Span> = optional.iter().map(|x| x.0).collect();
        let gold_spans: HashSet<Span> = gm.iter().map(|x| x.0).collect();
        pm.retain(|x| !opt_spans.contains(&x.0) || gold_spans.contains(&x.0));
        let tp: Vec<_> = gm.intersection(&pm).collect();
        c_gold += gm.len();
        c_pred += pm.len();
        c_tp += tp.len();
        for (_, t) in &gm {
            per[class_idx(t)].gold += 1;
        }
        for (_, t) in &pm {
            per[class_idx(t)].pred += 1;
        }
        for (_, t) in &tp {
            per[class_idx(t)].tp += 1;
        }
        let ps: HashSet<Span> = pm.iter().map(|x| x.0).collect();
        c_gs += gold_spans.len();
        c_ps += ps.len();
        c_tps += gold_spans.intersection(&ps).count();
    }
    let (p, r, f) = prf(c_tp, c_pred, c_gold);
    let (up, ur, uf) = prf(c_tps, c_ps, c_gs);
    let per_type = OrderedMap(
        CLASSES
            .iter()
            .zip(per)
            .filter(|(_, c)| c.gold > 0 || c.pred > 0)
            .map(|(t, c)| {
                let (tp_, tr, tf) = prf(c.tp, c.pred, c.gold);
                let score =
                    TypeScore { p: py::round(tp_, 4), r: py::round(tr, 4), f1: py::round(tf, 4), gold: c.gold, pred: c.pred };
                (t.to_string(), score)
            })
            .collect(),
    );
    Ok(EntityReport {
        documents: gold.len(),
        documents_missing_in_pred: missing,
        gold_mentions: c_gold,
        pred_mentions: c_pred,
        correct: c_tp,
        p,
        r,
        f1: f,
        untyped_p: up,
        untyped_r: ur,
        untyped_f1: uf,
        per_type,
        pred_types_mapped_to_misc: most_common(to_misc),
        pred_mentions_dropped_value_types: most_common(dropped),
        warnings: missing_warning(missing).into_iter().collect(),
    })
}

/// `str(e.get("type") or "").strip().upper()`.
fn norm_raw(t: Option<&Value>) -> String {
    crate::times::norm(t)
}

/// `score_entities.py GOLD PRED`.
pub fn score_entities(gold: &Path, pred: &Path, opts: &EntityOptions) -> Result<EntityReport, EvalError> {
    score_entities_docs(&load(gold)?, &load(pred)?, opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn docs(v: Value) -> Docs {
        Docs::from_objects(v.as_array().unwrap().iter().map(|d| d.as_object().unwrap().clone()))
    }

    #[test]
    fn exact_span_and_mapped_type() {
        let g = docs(json!([{"id": "a", "entities": [
            {"span": [0, 5], "type": "PER"},
            {"span": [10, 15], "type": "LOC"},
            {"span": [20, 25], "type": "MISC", "required": false},
        ]}]));
        let p = docs(json!([{"id": "a", "entities": [
            {"type": "PERSON", "mentions": [[0, 5], {"span": [0, 5]}, {"start": 30, "end": 31}]},
            {"type": "GPE", "mentions": [[10, 14]]},
            {"type": "NORP", "mentions": [[20, 25]]},
            {"type": "DATE", "mentions": [[40, 44], [50, 54]]},
        ]}]));
        let r = score_entities_docs(&g, &p, &EntityOptions::default()).unwrap();
        // identical (span, type) pairs count once
        assert_eq!((r.gold_mentions, r.pred_mentions, r.correct), (3, 4, 2));
        assert_eq!(r.pred_types_mapped_to_misc.0, vec![("NORP".to_string(), 1)]);
        assert_eq!(r.pred_mentions_dropped_value_types.0, vec![("DATE".to_string(), 2)]);
        assert_eq!(r.per_type.get("PER").unwrap().p, 0.5);
        let r = score_entities_docs(&g, &p, &EntityOptions { required_only: true, keep_value_types: true }).unwrap();
        assert_eq!((r.gold_mentions, r.pred_mentions, r.correct), (2, 5, 1));
        assert!(r.pred_mentions_dropped_value_types.is_empty());
        let text = r.to_string();
        assert!(text.contains("pred_types_mapped_to_misc    {\"DATE\": 2, \"NORP\": 1}\n"), "{text}");
        assert!(text.contains("  PER                         0.500  1.000  0.667       1       2\n"), "{text}");
    }
}

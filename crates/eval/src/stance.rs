//! Stance label scoring (FNC-1 headline/body pairs or Emergent claim/headline): a port of
//! `shared/eval/score_stance.py`.

use std::fmt;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::{load, py, Docs, EvalError, OrderedMap};

const FNC: [&str; 4] = ["agree", "disagree", "discuss", "unrelated"];
const EMERGENT: [&str; 3] = ["for", "against", "observing"];
/// FNC names <-> Emergent names, accepted on either gold.
const ALIAS: [(&str, &str); 3] = [("agree", "for"), ("disagree", "against"), ("discuss", "observing")];
const OTHER: &str = "(other)";
const NONE: &str = "(none)";

/// Per-class figures (rounded to 4 places as in Python).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassScore {
    pub p: f64,
    pub r: f64,
    pub f1: f64,
    pub gold: usize,
    pub pred: usize,
}

/// The figures of `score_stance.py`; field names are its JSON keys, in its order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StanceReport {
    /// "fnc-1" or "emergent".
    pub task: String,
    pub items: usize,
    pub missing_in_pred: usize,
    pub unknown_pred_labels: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fnc_score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fnc_max: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fnc_relative: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related_acc: Option<f64>,
    pub accuracy: f64,
    pub macro_f1: f64,
    pub per_class: OrderedMap<ClassScore>,
    /// Gold label -> predicted label ("(other)", "(none)" included) -> count.
    pub confusion: OrderedMap<OrderedMap<usize>>,
    /// Lines for stderr.
    #[serde(skip)]
    pub warnings: Vec<String>,
}

impl StanceReport {
    /// What `score_stance.py --json` prints.
    pub fn to_json(&self) -> String {
        py::json_indent1(self)
    }
    fn classes(&self) -> &'static [&'static str] {
        if self.task == "fnc-1" {
            &FNC
        } else {
            &EMERGENT
        }
    }
}

impl fmt::Display for StanceReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{:28} {}", "task", self.task)?;
        writeln!(f, "{:28} {}", "items", self.items)?;
        writeln!(f, "{:28} {}", "missing_in_pred", self.missing_in_pred)?;
        writeln!(f, "{:28} {}", "unknown_pred_labels", self.unknown_pred_labels)?;
        let opt = [
            ("fnc_score", self.fnc_score),
            ("fnc_max", self.fnc_max),
            ("fnc_relative", self.fnc_relative),
            ("related_acc", self.related_acc),
        ];
        for (k, v) in opt.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))) {
            writeln!(f, "{k:28} {}", py::fixed(v, 4))?;
        }
        writeln!(f, "{:28} {}", "accuracy", py::fixed(self.accuracy, 4))?;
        writeln!(f, "{:28} {}", "macro_f1", py::fixed(self.macro_f1, 4))?;
        writeln!(f, "{:28} {:>6} {:>6} {:>6} {:>7} {:>7}", "per_class", "p", "r", "f1", "gold", "pred")?;
        for (c, m) in self.per_class.iter() {
            let (p, r, f1) = (py::fixed(m.p, 3), py::fixed(m.r, 3), py::fixed(m.f1, 3));
            writeln!(f, "  {c:26} {p:>6} {r:>6} {f1:>6} {:7} {:7}", m.gold, m.pred)?;
        }
        let count = |g: &str, c: &str| self.confusion.get(g).and_then(|row| row.get(c)).copied().unwrap_or(0);
        let mut cols: Vec<&str> = self.classes().to_vec();
        for extra in [OTHER, NONE] {
            if self.confusion.iter().any(|(g, _)| count(g, extra) > 0) {
                cols.push(extra);
            }
        }
        let head: Vec<String> = cols.iter().map(|c| format!("{:>9}", c.chars().take(9).collect::<String>())).collect();
        writeln!(f, "{:28} {}", "confusion (rows gold)", head.join(" "))?;
        for g in self.classes() {
            let row: Vec<String> = cols.iter().map(|c| format!("{:9}", count(g, c))).collect();
            writeln!(f, "  {g:26} {}", row.join(" "))?;
        }
        Ok(())
    }
}

/// `str(x).strip().lower()`, None for null or absent.
fn label(x: Option<&Value>) -> Option<String> {
    x.filter(|v| !v.is_null()).map(|v| py::strip(&py::str_of(v)).to_lowercase())
}

/// Score in-memory items.
pub fn score_stance_docs(gold: &Docs, pred: &Docs) -> Result<StanceReport, EvalError> {
    let glabels: Vec<Option<String>> = gold.iter().map(|(_, g)| label(g.get("stance"))).collect();
    let within = |set: &[&str]| glabels.iter().all(|l| l.as_deref().is_some_and(|l| set.contains(&l)));
    let (task, classes, to_emergent): (&str, &[&str], bool) = if within(&FNC) {
        ("fnc-1", &FNC, false)
    } else if within(&EMERGENT) {
        ("emergent", &EMERGENT, true)
    } else {
        let mut odd: Vec<String> = glabels
            .iter()
            .filter(|l| l.as_deref().is_none_or(|l| !FNC.contains(&l) && !EMERGENT.contains(&l)))
            .map(|l| l.clone().unwrap_or_else(|| "None".into()))
            .collect();
        odd.sort();
        odd.dedup();
        let odd: Vec<String> = odd.iter().map(|l| py::str_repr(l)).collect();
        return Err(EvalError::invalid("gold", format!("labels [{}] are neither FNC-1 nor Emergent labels", odd.join(", "))));
    };
    let alias = |l: String| -> String {
        let hit = ALIAS.iter().find(|(fnc, em)| if to_emergent { *fnc == l } else { *em == l });
        match hit {
            Some((fnc, em)) => (if to_emergent { em } else { fnc }).to_string(),
            None => l,
        }
    };
    let (mut missing, mut unknown) = (0usize, 0usize);
    // rows for every class, in class order (Python creates them before reporting)
    let mut conf: OrderedMap<OrderedMap<usize>> = OrderedMap::default();
    let (mut score, mut max_score) = (0.0f64, 0.0f64);
    let mut related_ok = 0usize;
    for ((i, _), gl) in gold.iter().zip(&glabels) {
        let gl = gl.as_deref().unwrap_or_default();
        let pl = match pred.get(i) {
            Some(p) => match label(p.get("stance")).map(alias) {
                Some(l) if classes.contains(&l.as_str()) => l,
                _ => {
                    unknown += 1;
                    OTHER.to_string()
                }
            },
            None => {
                missing += 1;
                NONE.to_string()
            }
        };
        *conf.entry(gl).entry(&pl) += 1;
        if task == "fnc-1" {
            // FakeNewsChallenge/fnc-1 scorer.py, score_submission()
            let g_rel = gl != "unrelated";
            let p_rel = ["agree", "disagree", "discuss"].contains(&pl.as_str());
            max_score += 0.25 + if g_rel { 0.75 } else { 0.0 };
            if classes.contains(&pl.as_str()) && g_rel == p_rel {
                score += 0.25;
                related_ok += 1;
            }
            if g_rel && gl == pl {
                score += 0.75;
            }
        }
    }
    let n = gold.len();
    let count = |g: &str, c: &str| conf.get(g).and_then(|row| row.get(c)).copied().unwrap_or(0);
    let correct: usize = classes.iter().map(|c| count(c, c)).sum();
    let mut per_class = OrderedMap::default();
    let mut f1_sum = 0.0f64;
    for c in classes {
        let tp = count(c, c);
        let npred: usize = conf.iter().map(|(g, _)| count(g, c)).sum();
        let ngold: usize = conf.get(c).map(|row| row.iter().map(|(_, v)| *v).sum()).unwrap_or(0);
        let p = if npred > 0 { tp as f64 / npred as f64 } else { 0.0 };
        let r = if ngold > 0 { tp as f64 / ngold as f64 } else { 0.0 };
        let f1 = if p + r != 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
        f1_sum += f1;
        per_class.0.push((
            c.to_string(),
            ClassScore { p: py::round(p, 4), r: py::round(r, 4), f1: py::round(f1, 4), gold: ngold, pred: npred },
        ));
    }
    let confusion =
        OrderedMap(classes.iter().map(|c| (c.to_string(), conf.get(c).cloned().unwrap_or_default())).collect());
    let ratio = |a: f64, b: f64| if b != 0.0 { a / b } else { 0.0 };
    let fnc = task == "fnc-1";
    let mut warnings = Vec::new();
    if missing > 0 {
        warnings.push(format!("warning: {missing} gold items have no prediction line"));
    }
    if unknown > 0 {
        let cl: Vec<String> = classes.iter().map(|c| py::str_repr(c)).collect();
        warnings.push(format!("warning: {unknown} predictions carry a label outside [{}]", cl.join(", ")));
    }
    Ok(StanceReport {
        task: task.to_string(),
        items: n,
        missing_in_pred: missing,
        unknown_pred_labels: unknown,
        fnc_score: fnc.then_some(score),
        fnc_max: fnc.then_some(max_score),
        fnc_relative: fnc.then(|| ratio(score, max_score)),
        related_acc: fnc.then(|| ratio(related_ok as f64, n as f64)),
        accuracy: ratio(correct as f64, n as f64),
        macro_f1: f1_sum / classes.len() as f64,
        per_class,
        confusion,
        warnings,
    })
}

/// `score_stance.py GOLD PRED`.
pub fn score_stance(gold: &Path, pred: &Path) -> Result<StanceReport, EvalError> {
    score_stance_docs(&load(gold)?, &load(pred)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn docs(v: Value) -> Docs {
        Docs::from_objects(v.as_array().unwrap().iter().map(|d| d.as_object().unwrap().clone()))
    }

    #[test]
    fn fnc_weighted_score() {
        let g = docs(json!([
            {"id": 1, "stance": "agree"}, {"id": 2, "stance": "unrelated"},
            {"id": 3, "stance": "discuss"}, {"id": 4, "stance": "disagree"},
        ]));
        let p = docs(json!([
            {"id": "1", "stance": "AGREE"}, {"id": "2", "stance": "discuss"}, {"id": "3", "stance": "observing"},
        ]));
        let r = score_stance_docs(&g, &p).unwrap();
        assert_eq!(r.task, "fnc-1");
        assert_eq!((r.fnc_score, r.fnc_max), (Some(2.0), Some(3.25)));
        assert_eq!((r.missing_in_pred, r.unknown_pred_labels), (1, 0));
        assert_eq!(r.accuracy, 0.5);
        assert_eq!(r.confusion.get("disagree").unwrap().get("(none)"), Some(&1));
        assert!(r.to_string().contains("confusion (rows gold)            agree  disagree   discuss unrelated    (none)\n"));
    }

    #[test]
    fn emergent_and_bad_labels() {
        let g = docs(json!([{"id": 1, "stance": "for"}, {"id": 2, "stance": "against"}]));
        let p = docs(json!([{"id": 1, "stance": "agree"}, {"id": 2, "stance": "maybe"}]));
        let r = score_stance_docs(&g, &p).unwrap();
        assert_eq!((r.task.as_str(), r.accuracy, r.unknown_pred_labels, r.fnc_score), ("emergent", 0.5, 1, None));
        assert!(!r.to_json().contains("fnc_score"));
        let g = docs(json!([{"id": 1, "stance": "true"}]));
        assert!(score_stance_docs(&g, &p).is_err());
    }
}

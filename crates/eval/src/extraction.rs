//! Article-body extraction scoring against the Zyte article-extraction-benchmark gold: a
//! port of `shared/eval/score_extraction.py` (4-gram shingles of `\w+` tokens, per-page
//! precision/recall averaged over pages, optional bootstrap with Python's `random.Random(0)`).
//!
//! Means are plain f64 sums where Python's `statistics` sums exactly: figures agree to ~1e-15.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::Path;
use std::sync::OnceLock;

use regex::Regex;
use serde::Serialize;
use serde_json::Value;

use crate::{py, EvalError, OrderedMap};

/// Python's `\w+` on str: letters, numbers and underscore (`str.isalnum()` or `_`).
fn token_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"[\p{L}\p{N}_]+").unwrap_or_else(|_| unreachable!("constant regex")))
}

fn tokens(text: &str) -> Vec<&str> {
    token_re().find_iter(text).map(|m| m.as_str()).collect()
}

/// A number as Python's `statistics.mean` returns it: an int when the mean of ints is whole.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum PyNumber {
    Int(i64),
    Float(f64),
}

impl fmt::Display for PyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PyNumber::Int(i) => write!(f, "{i}"),
            PyNumber::Float(x) => write!(f, "{}", py::fixed(*x, 4)),
        }
    }
}

/// The figures of `score_extraction.py`, in its order (`*_ci95` only with a bootstrap).
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractionReport {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub mean_page_f1: f64,
    pub pages: usize,
    pub pages_missing_in_pred: usize,
    pub pages_empty_pred: usize,
    /// Share of pages whose token list equals gold's.
    pub exact: PyNumber,
    /// `precision_ci95`, `recall_ci95`, `f1_ci95`, `mean_page_f1_ci95` with `bootstrap > 0`.
    pub ci95: OrderedMap<f64>,
    /// Lines for stderr.
    pub warnings: Vec<String>,
}

impl ExtractionReport {
    fn entries(&self) -> Vec<(String, PyNumber)> {
        let mut v = vec![
            ("precision".to_string(), PyNumber::Float(self.precision)),
            ("recall".into(), PyNumber::Float(self.recall)),
            ("f1".into(), PyNumber::Float(self.f1)),
            ("mean_page_f1".into(), PyNumber::Float(self.mean_page_f1)),
            ("pages".into(), PyNumber::Int(self.pages as i64)),
            ("pages_missing_in_pred".into(), PyNumber::Int(self.pages_missing_in_pred as i64)),
            ("pages_empty_pred".into(), PyNumber::Int(self.pages_empty_pred as i64)),
            ("exact".into(), self.exact),
        ];
        v.extend(self.ci95.iter().map(|(k, x)| (k.to_string(), PyNumber::Float(*x))));
        v
    }
    /// What `score_extraction.py --json` prints.
    pub fn to_json(&self) -> String {
        py::json_indent1(&OrderedMap(self.entries()))
    }
}

impl Serialize for ExtractionReport {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        OrderedMap(self.entries()).serialize(s)
    }
}

impl fmt::Display for ExtractionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, v) in self.entries() {
            writeln!(f, "{k:22} {v}")?;
        }
        Ok(())
    }
}

type Counts = (f64, f64, f64);

fn shingles<'a>(toks: &[&'a str]) -> HashMap<Vec<&'a str>, usize> {
    let mut out = HashMap::new();
    if toks.is_empty() {
        return out;
    }
    let n = toks.len().saturating_sub(3).max(1);
    for i in 0..n {
        let end = (i + 4).min(toks.len());
        *out.entry(toks[i..end].to_vec()).or_insert(0) += 1;
    }
    out
}

fn page_counts(gold: &str, pred: &str) -> Counts {
    let (gt, pt) = (tokens(gold), tokens(pred));
    let (g, p) = (shingles(&gt), shingles(&pt));
    let (mut tp, mut fp, mut fn_) = (0.0f64, 0.0f64, 0.0f64);
    let keys: BTreeSet<&Vec<&str>> = g.keys().chain(p.keys()).collect();
    for k in keys {
        let (gc, pc) = (g.get(k).copied().unwrap_or(0), p.get(k).copied().unwrap_or(0));
        tp += gc.min(pc) as f64;
        fp += pc.saturating_sub(gc) as f64;
        fn_ += gc.saturating_sub(pc) as f64;
    }
    let s = tp + fp + fn_;
    if s > 0.0 { (tp / s, fp / s, fn_ / s) } else { (0.0, 0.0, 0.0) }
}

fn prec(&(tp, fp, fn_): &Counts) -> f64 {
    if fp == 0.0 && fn_ == 0.0 {
        1.0
    } else if tp == 0.0 && fp == 0.0 {
        0.0
    } else {
        tp / (tp + fp)
    }
}

fn rec(&(tp, fp, fn_): &Counts) -> f64 {
    if fp == 0.0 && fn_ == 0.0 {
        1.0
    } else if tp == 0.0 && fn_ == 0.0 {
        0.0
    } else {
        tp / (tp + fn_)
    }
}

fn mean(xs: &[f64]) -> Option<f64> {
    // Neumaier summation: close to Python's exact `statistics.mean`
    if xs.is_empty() {
        return None;
    }
    let (mut sum, mut comp) = (0.0f64, 0.0f64);
    for &x in xs {
        let t = sum + x;
        comp += if sum.abs() >= x.abs() { (sum - t) + x } else { (x - t) + sum };
        sum = t;
    }
    Some((sum + comp) / xs.len() as f64)
}

/// precision, recall, f1, mean_page_f1; None where Python's `statistics.mean` would fail.
fn aggregate(c: &[Counts]) -> Option<[f64; 4]> {
    let ps: Vec<f64> = c.iter().filter(|x| x.0 + x.1 > 0.0).map(prec).collect();
    let rs: Vec<f64> = c.iter().filter(|x| x.0 + x.2 > 0.0).map(rec).collect();
    let (p, r) = (mean(&ps)?, mean(&rs)?);
    let f = if p + r != 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
    let pf: Vec<f64> = c
        .iter()
        .map(|x| {
            let (p, r) = (prec(x), rec(x));
            if p + r != 0.0 { 2.0 * p * r / (p + r) } else { 0.0 }
        })
        .collect();
    Some([p, r, f, mean(&pf)?])
}

fn stdev(xs: &[f64]) -> Option<f64> {
    if xs.len() < 2 {
        return None;
    }
    let m = mean(xs)?;
    let ss: Vec<f64> = xs.iter().map(|x| (x - m) * (x - m)).collect();
    let total = ss.iter().sum::<f64>();
    Some((total / (xs.len() - 1) as f64).sqrt())
}

/// Python's `random.Random` (MT19937) seeded with an int, for `randrange`.
struct PyRandom {
    mt: [u32; 624],
    idx: usize,
}

impl PyRandom {
    fn new(seed: u32) -> Self {
        let mut r = PyRandom { mt: [0; 624], idx: 624 };
        r.init_genrand(19_650_218);
        // init_by_array with key [seed] (CPython's random_seed for a small int)
        let key = [seed];
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..624.max(key.len()) {
            let prev = r.mt[i - 1] ^ (r.mt[i - 1] >> 30);
            r.mt[i] = (r.mt[i] ^ prev.wrapping_mul(1_664_525)).wrapping_add(key[j]).wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= 624 {
                r.mt[0] = r.mt[623];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..623 {
            let prev = r.mt[i - 1] ^ (r.mt[i - 1] >> 30);
            r.mt[i] = (r.mt[i] ^ prev.wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= 624 {
                r.mt[0] = r.mt[623];
                i = 1;
            }
        }
        r.mt[0] = 0x8000_0000;
        r
    }
    fn init_genrand(&mut self, s: u32) {
        self.mt[0] = s;
        for i in 1..624 {
            self.mt[i] = 1_812_433_253u32.wrapping_mul(self.mt[i - 1] ^ (self.mt[i - 1] >> 30)).wrapping_add(i as u32);
        }
        self.idx = 624;
    }
    fn next_u32(&mut self) -> u32 {
        if self.idx >= 624 {
            for k in 0..624 {
                let y = (self.mt[k] & 0x8000_0000) | (self.mt[(k + 1) % 624] & 0x7fff_ffff);
                let mag = if y & 1 == 1 { 0x9908_b0df } else { 0 };
                self.mt[k] = self.mt[(k + 397) % 624] ^ (y >> 1) ^ mag;
            }
            self.idx = 0;
        }
        let mut y = self.mt[self.idx];
        self.idx += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }
    /// `randrange(n)` for 0 < n < 2^32: `getrandbits(n.bit_length())` until below n.
    fn randrange(&mut self, n: u32) -> u32 {
        let k = 32 - n.leading_zeros();
        loop {
            let r = self.next_u32() >> (32 - k);
            if r < n {
                return r;
            }
        }
    }
}

/// Score predicted texts (`id -> text`, None for a null text) against the gold
/// (`page id -> {"articleBody": ...}`), with `bootstrap` resamples (0 for none).
pub fn score_extraction_docs(
    gold: &serde_json::Map<String, Value>,
    pred: &HashMap<String, String>,
    bootstrap: usize,
) -> Result<ExtractionReport, EvalError> {
    let mut keys: Vec<&String> = gold.keys().collect();
    keys.sort();
    let body = |k: &str| -> Result<String, EvalError> {
        match gold.get(k).and_then(|g| g.get("articleBody")) {
            None => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(v) if !py::truthy(v) => Ok(String::new()),
            Some(_) => Err(EvalError::invalid(format!("gold {k}"), "articleBody is not a string")),
        }
    };
    let empty = String::new();
    let mut counts = Vec::with_capacity(keys.len());
    let (mut missing, mut empty_pred, mut exact_n) = (0usize, 0usize, 0i64);
    for k in &keys {
        let g = body(k)?;
        let p = pred.get(k.as_str()).unwrap_or(&empty);
        counts.push(page_counts(&g, p));
        missing += usize::from(!pred.contains_key(k.as_str()));
        empty_pred += usize::from(!token_re().is_match(p));
        exact_n += i64::from(tokens(&g) == tokens(p));
    }
    let no_mean = || EvalError::invalid("extraction", "mean requires at least one data point");
    let [precision, recall, f1, mean_page_f1] = aggregate(&counts).ok_or_else(no_mean)?;
    let n = keys.len() as i64;
    let exact = if exact_n % n == 0 { PyNumber::Int(exact_n / n) } else { PyNumber::Float(exact_n as f64 / n as f64) };
    let mut ci95 = OrderedMap::default();
    if bootstrap > 0 {
        let mut rnd = PyRandom::new(0);
        let mut vals: [Vec<f64>; 4] = Default::default();
        for _ in 0..bootstrap {
            let sample: Vec<Counts> = counts.iter().map(|_| counts[rnd.randrange(counts.len() as u32) as usize]).collect();
            let agg = aggregate(&sample).ok_or_else(no_mean)?;
            for (v, x) in vals.iter_mut().zip(agg) {
                v.push(x);
            }
        }
        for (name, v) in ["precision", "recall", "f1", "mean_page_f1"].iter().zip(&vals) {
            let sd = stdev(v).ok_or_else(|| EvalError::invalid("extraction", "variance requires at least two data points"))?;
            ci95.0.push((format!("{name}_ci95"), 1.96 * sd));
        }
    }
    let extra = pred.keys().filter(|k| !gold.contains_key(k.as_str())).count();
    let warnings = if extra > 0 { vec![format!("warning: {extra} predicted ids not in gold (ignored)")] } else { vec![] };
    Ok(ExtractionReport {
        precision,
        recall,
        f1,
        mean_page_f1,
        pages: keys.len(),
        pages_missing_in_pred: missing,
        pages_empty_pred: empty_pred,
        exact,
        ci95,
        warnings,
    })
}

/// `score_extraction.py PRED --gold GOLD [--bootstrap N]`.
pub fn score_extraction(gold: &Path, pred: &Path, bootstrap: usize) -> Result<ExtractionReport, EvalError> {
    let text = std::fs::read_to_string(gold).map_err(|source| EvalError::Io { path: gold.to_path_buf(), source })?;
    let g: Value = serde_json::from_str(&text)
        .map_err(|e| EvalError::Json { path: gold.to_path_buf(), line: e.line(), message: e.to_string() })?;
    let Value::Object(g) = g else { return Err(EvalError::NotObject { path: gold.to_path_buf(), line: 1 }) };
    let docs = crate::load(pred)?;
    let mut p = HashMap::new();
    for (id, d) in docs.iter() {
        let t = match d.get("text") {
            Some(Value::String(s)) => s.clone(),
            Some(v) if py::truthy(v) => {
                return Err(EvalError::invalid(format!("{}: {id}", pred.display()), "text is not a string"));
            }
            _ => String::new(),
        };
        p.insert(id.to_string(), t);
    }
    score_extraction_docs(&g, &p, bootstrap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn python_random_sequence() {
        // random.Random(0): [r.randrange(181) for _ in range(5)], then getrandbits(32)
        let mut r = PyRandom::new(0);
        let v: Vec<u32> = (0..5).map(|_| r.randrange(181)).collect();
        assert_eq!(v, [98, 107, 10, 66, 130]);
        assert_eq!(r.next_u32(), 2_087_043_557);
    }

    #[test]
    fn shingle_scores() {
        let gold = json!({"a": {"articleBody": "one two three four five"}, "b": {"articleBody": "x y"}, "c": {"articleBody": "p q"}});
        let mut pred = HashMap::new();
        pred.insert("a".to_string(), "one two three four six".to_string());
        pred.insert("b".to_string(), "x, y!".to_string());
        pred.insert("z".to_string(), "stray".to_string());
        let r = score_extraction_docs(gold.as_object().unwrap(), &pred, 0).unwrap();
        // a: shingles {1234, 2345} vs {1234, 2346}: tp 1/3, fp 1/3, fn 1/3 -> P = R = 0.5
        assert_eq!((r.precision, r.recall), ((0.5 + 1.0) / 2.0, (0.5 + 1.0 + 0.0) / 3.0));
        assert_eq!((r.pages_missing_in_pred, r.pages_empty_pred), (1, 1));
        assert_eq!(r.exact, PyNumber::Float(1.0 / 3.0));
        assert_eq!(r.warnings, ["warning: 1 predicted ids not in gold (ignored)"]);
        assert!(r.to_string().starts_with("precision              0.7500\n"));
    }
}

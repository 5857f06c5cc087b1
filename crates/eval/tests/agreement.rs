//! The Rust scorers agree with the reference Python scorers in ../shared/eval: every figure
//! to 1e-9 (and, in fact, the `--json` and text output byte for byte, warnings included), on
//! the seed article and the dev sets, gold against itself and against perturbed copies.
//!
//! Skips, with a message, where ../shared or python3 is absent.

use std::path::{Path, PathBuf};
use std::process::Command;

use onrecord_eval::{evaluate, EvalOptions, Task};
use serde_json::{json, Map, Value};

fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if !p.join("eval/score_quotes.py").exists() {
        println!("SKIP: {} not found; agreement with the Python scorers not checked", p.display());
        return None;
    }
    match Command::new("python3").arg("--version").output() {
        Ok(o) if o.status.success() => Some(p),
        _ => {
            println!("SKIP: python3 not on PATH; agreement with the Python scorers not checked");
            None
        }
    }
}

/// splitmix64: a small deterministic generator, so perturbations are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
}

fn read_jsonl(path: &Path) -> Vec<Map<String, Value>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Value>(l).unwrap().as_object().unwrap().clone())
        .collect()
}

fn write_jsonl(path: &Path, docs: &[Map<String, Value>]) {
    let mut s = String::new();
    for d in docs {
        s.push_str(&serde_json::to_string(d).unwrap());
        s.push('\n');
    }
    std::fs::write(path, s).unwrap();
}

fn tmp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("onrecord-eval-agreement-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `[s, e]` as a span pair, if it is one.
fn pair(v: &Value) -> Option<(i64, i64)> {
    let a = v.as_array()?;
    Some((a.first()?.as_i64()?, a.get(1)?.as_i64()?))
}

/// A span in one of the shapes the scorers accept.
fn span_shape(rng: &mut Rng, s: i64, e: i64) -> Value {
    match rng.below(4) {
        0 => json!({"start": s, "end": e}),
        1 => json!({"span": [s, e]}),
        2 => json!([[s, e]]),
        _ => json!([s, e]),
    }
}

fn jiggle(rng: &mut Rng, s: i64, e: i64) -> (i64, i64) {
    match rng.below(5) {
        0 => {
            let k = rng.range(-15, 15);
            (s + k, e + k)
        }
        1 => (s, s + (e - s) * rng.range(1, 9) / 10),
        2 => (s + (e - s) * rng.range(1, 5) / 10, e),
        3 => (s - rng.range(0, 30), e + rng.range(0, 30)),
        _ => (s, e),
    }
}

fn perturb_quotes(rng: &mut Rng, gold: &[Map<String, Value>]) -> Vec<Map<String, Value>> {
    let mut out = Vec::new();
    let names = ["Jane Smith", "the spokesman", "Smith", "Putin", "Trump"];
    for g in gold {
        if rng.chance(0.06) {
            continue; // missing document
        }
        let text_len = g["text"].as_str().unwrap().chars().count() as i64;
        let mut quotes = Vec::new();
        for q in g.get("quotes").and_then(Value::as_array).into_iter().flatten() {
            if rng.chance(0.12) {
                continue;
            }
            let q = q.as_object().unwrap();
            let mut p = Map::new();
            let spans: Vec<(i64, i64)> = q["content"].as_array().unwrap().iter().filter_map(pair).collect();
            if rng.chance(0.5) {
                p.insert("content".into(), q["content"].clone());
            } else if spans.len() == 1 {
                let (s, e) = jiggle(rng, spans[0].0, spans[0].1);
                p.insert("content".into(), span_shape(rng, s, e));
            } else {
                // drop some spans of a discontinuous content, never all (Python fails on [])
                let mut v: Vec<Value> = spans.iter().filter(|_| !rng.chance(0.3)).map(|&(s, e)| json!([s, e])).collect();
                if v.is_empty() {
                    v.push(json!([spans[0].0, spans[0].1]));
                }
                p.insert("content".into(), Value::Array(v));
            }
            for key in ["source", "cue"] {
                match (q.get(key).and_then(pair), rng.below(6)) {
                    (Some((s, e)), 0) => drop(p.insert(key.into(), span_shape(rng, s + 40, e + 40))),
                    (Some((_, e)), 1) => drop(p.insert(key.into(), span_shape(rng, e - 1, e + 3))),
                    (_, 2) => drop(p.insert(key.into(), Value::Null)),
                    (None, 3) => drop(p.insert(key.into(), json!([0, 3]))),
                    (Some((s, e)), _) => drop(p.insert(key.into(), span_shape(rng, s, e))),
                    (None, _) => {}
                }
            }
            let gname = q.get("speaker").and_then(Value::as_str).unwrap_or("");
            let speaker = match rng.below(5) {
                0 => json!(names[rng.below(names.len() as u64) as usize]),
                1 => json!({"name": gname.to_uppercase()}),
                2 => Value::Null,
                3 => json!(gname.split_whitespace().last().unwrap_or("")),
                _ => json!(gname),
            };
            p.insert("speaker".into(), speaker);
            if rng.chance(0.1) {
                quotes.push(Value::Object(p.clone())); // duplicate: ties in the pairing
            }
            quotes.push(Value::Object(p));
        }
        for _ in 0..rng.below(3) {
            let s = rng.range(0, text_len.max(1) - 1);
            quotes.push(json!({"content": [s, s + rng.range(5, 120)], "source": [s, s + 3]}));
        }
        if rng.chance(0.3) {
            quotes.reverse();
        }
        let mut d = Map::new();
        d.insert("id".into(), g["id"].clone());
        d.insert("quotes".into(), Value::Array(quotes));
        out.push(d);
    }
    out
}

/// A copy of `gold` where some items of `key` are marked `"required": false`.
fn mark_optional(rng: &mut Rng, gold: &[Map<String, Value>], key: &str) -> Vec<Map<String, Value>> {
    let mut out = gold.to_vec();
    for d in &mut out {
        if let Some(Value::Array(items)) = d.get_mut(key) {
            for it in items.iter_mut() {
                if rng.chance(0.15) {
                    it.as_object_mut().unwrap().insert("required".into(), json!(false));
                }
            }
        }
    }
    out
}

fn perturb_times(rng: &mut Rng, gold: &[Map<String, Value>]) -> Vec<Map<String, Value>> {
    let types = ["DATE", "TIME", "DURATION", "SET", "date", ""];
    let mut out = Vec::new();
    for g in gold {
        if rng.chance(0.06) {
            continue;
        }
        let mut times = Vec::new();
        for t in g.get("times").and_then(Value::as_array).into_iter().flatten() {
            if rng.chance(0.12) {
                continue;
            }
            let t = t.as_object().unwrap();
            let (s, e) = pair(&t["span"]).unwrap();
            let mut p = Map::new();
            match rng.below(8) {
                0 => drop(p.insert("span".into(), json!({"start": s, "end": e}))),
                1 => {
                    p.insert("start".into(), json!(s));
                    p.insert("end".into(), json!(e));
                }
                2 => {
                    let (a, b) = jiggle(rng, s, e);
                    p.insert("span".into(), json!([a, b]));
                }
                3 => drop(p.insert("span".into(), json!([e, s]))), // unusable
                _ => drop(p.insert("span".into(), json!([s, e]))),
            }
            let ty = if rng.chance(0.2) { json!(types[rng.below(6) as usize]) } else { t["type"].clone() };
            p.insert("type".into(), ty);
            let value = match rng.below(6) {
                0 => json!("XXXX"),
                1 => json!(format!(" {} ", t["value"].as_str().unwrap_or("").to_lowercase())),
                2 => Value::Null,
                _ => t["value"].clone(),
            };
            p.insert("value".into(), value);
            times.push(Value::Object(p));
        }
        let len = g["text"].as_str().unwrap().chars().count() as i64;
        for _ in 0..rng.below(3) {
            let s = rng.range(0, len.max(1) - 1);
            times.push(json!({"span": [s, s + rng.range(2, 12)], "type": "DATE", "value": "2010"}));
        }
        let mut d = Map::new();
        d.insert("id".into(), g["id"].clone());
        d.insert("times".into(), Value::Array(times));
        out.push(d);
    }
    out
}

fn perturb_entities(rng: &mut Rng, gold: &[Map<String, Value>]) -> Vec<Map<String, Value>> {
    let renames = |t: &str, r: u64| -> &'static str {
        match (t, r) {
            ("PER", 0) => "PERSON",
            ("PER", _) => "PER",
            ("LOC", 0) => "GPE",
            ("LOC", 1) => "location",
            ("LOC", _) => "LOC",
            ("ORG", 0) => "ORGANIZATION",
            ("ORG", 1) => "PER",
            ("ORG", _) => "ORG",
            (_, 0) => "NORP",
            (_, 1) => "EVENT",
            (_, 2) => "DATE",
            _ => "MISC",
        }
    };
    let mut out = Vec::new();
    for g in gold {
        if rng.chance(0.06) {
            continue;
        }
        let mut ents = Vec::new();
        for e in g.get("entities").and_then(Value::as_array).into_iter().flatten() {
            if rng.chance(0.1) {
                continue;
            }
            let e = e.as_object().unwrap();
            let (s, en) = pair(&e["span"]).unwrap();
            let (s, en) = if rng.chance(0.15) { jiggle(rng, s, en) } else { (s, en) };
            let ty = renames(e["type"].as_str().unwrap_or(""), rng.below(8));
            let mention = match rng.below(3) {
                0 => json!({"span": [s, en]}),
                1 => json!({"start": s, "end": en}),
                _ => json!([s, en]),
            };
            let mut mentions = vec![mention];
            if rng.chance(0.1) {
                mentions.push(json!([s, en])); // the same mention twice counts once
            }
            if rng.chance(0.5) {
                ents.push(json!({"type": ty, "mentions": mentions}));
            } else {
                ents.push(json!({"type": ty, "span": [s, en], "mentions": mentions[1..].to_vec()}));
            }
        }
        for _ in 0..rng.below(3) {
            let s = rng.range(0, 200);
            let ty = ["CARDINAL", "MONEY", "PERSON", "LAW"][rng.below(4) as usize];
            ents.push(json!({"type": ty, "mentions": [[s, s + 4]]}));
        }
        let mut d = Map::new();
        d.insert("id".into(), g["id"].clone());
        d.insert("entities".into(), Value::Array(ents));
        out.push(d);
    }
    out
}

fn perturb_stance(rng: &mut Rng, gold: &[Map<String, Value>], labels: &[&str]) -> Vec<Map<String, Value>> {
    let mut out = Vec::new();
    for g in gold {
        if rng.chance(0.03) {
            continue;
        }
        let l = match rng.below(10) {
            0..=3 => json!(labels[rng.below(labels.len() as u64) as usize]),
            4 => json!("Maybe"),
            5 => Value::Null,
            _ => json!(g["stance"].as_str().unwrap_or("").to_uppercase()),
        };
        out.push(json!({"id": g["id"], "stance": l}).as_object().unwrap().clone());
    }
    out
}

/// Every number agrees to 1e-9, every key and string the same.
fn agree(a: &Value, b: &Value, at: &str) -> Result<(), String> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            if (x - y).abs() <= 1e-9 { Ok(()) } else { Err(format!("{at}: python {x} rust {y}")) }
        }
        (Value::Object(x), Value::Object(y)) => {
            let kx: Vec<_> = x.keys().collect();
            let ky: Vec<_> = y.keys().collect();
            if kx != ky {
                return Err(format!("{at}: keys python {kx:?} rust {ky:?}"));
            }
            x.iter().try_for_each(|(k, v)| agree(v, &y[k], &format!("{at}.{k}")))
        }
        _ if a == b => Ok(()),
        _ => Err(format!("{at}: python {a} rust {b}")),
    }
}

struct Case<'a> {
    task: Task,
    script: &'a str,
    gold: PathBuf,
    pred: PathBuf,
    flags: &'a [&'a str],
}

/// Run the Python scorer and ours on one case; panic on any disagreement.
fn check(shared: &Path, case: &Case) -> Value {
    let script = shared.join("eval").join(case.script);
    let mut opts = EvalOptions::default();
    let mut it = case.flags.iter();
    while let Some(f) = it.next() {
        match *f {
            "--required-only" => opts.required_only = true,
            "--keep-value-types" => opts.keep_value_types = true,
            "--min-overlap" => opts.min_overlap = it.next().unwrap().parse().unwrap(),
            "--bootstrap" => opts.bootstrap = it.next().unwrap().parse().unwrap(),
            other => panic!("unknown flag {other}"),
        }
    }
    let report = evaluate(case.task, &case.gold, &case.pred, &opts).unwrap();
    let label = format!("{} {} {} {:?}", case.script, case.gold.display(), case.pred.display(), case.flags);
    let run = |json: bool| {
        let mut cmd = Command::new("python3");
        if case.task == Task::Extraction {
            cmd.arg(&script).arg(&case.pred).arg("--gold").arg(&case.gold).args(case.flags);
        } else {
            cmd.arg(&script).arg(&case.gold).arg(&case.pred).args(case.flags);
        }
        if json {
            cmd.arg("--json");
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{label}: python failed: {}", String::from_utf8_lossy(&out.stderr));
        (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
    };
    let (py_json, py_err) = run(true);
    let ours = report.to_json();
    let (pv, rv): (Value, Value) = (serde_json::from_str(&py_json).unwrap(), serde_json::from_str(&ours).unwrap());
    if let Err(e) = agree(&pv, &rv, "") {
        panic!("{label}: {e}");
    }
    // extraction means are f64 sums where Python sums exactly: equal to ~1e-15, not bit for bit
    if case.task != Task::Extraction {
        assert_eq!(py_json.trim_end(), ours, "{label}: --json text differs");
    }
    let want_err: String = report.warnings().iter().map(|w| format!("{w}\n")).collect();
    assert_eq!(py_err, want_err, "{label}: warnings differ");
    let (py_text, _) = run(false);
    assert_eq!(py_text, report.to_string(), "{label}: text table differs");
    println!("agree: {label}");
    pv
}

#[test]
fn quotes_agree_with_python() {
    let Some(shared) = shared() else { return };
    let dir = tmp_dir().join("quotes");
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = Rng(7);
    let sets = [
        ("seed", shared.join("corpus/seed/kremlin-call.gold.jsonl")),
        ("polnear-dev", shared.join("data/polnear/dev.gold.jsonl")),
    ];
    for (name, gold) in sets {
        if !gold.exists() {
            println!("SKIP: {} not found", gold.display());
            continue;
        }
        let docs = read_jsonl(&gold);
        let optional = dir.join(format!("{name}.optional.gold.jsonl"));
        write_jsonl(&optional, &mark_optional(&mut rng, &docs, "quotes"));
        let mut preds = vec![gold.clone()];
        for k in 0..3 {
            let p = dir.join(format!("{name}.pred{k}.jsonl"));
            write_jsonl(&p, &perturb_quotes(&mut rng, &docs));
            preds.push(p);
        }
        for pred in &preds {
            for g in [&gold, &optional] {
                for flags in [&[][..], &["--required-only"], &["--min-overlap", "0.3"], &["--min-overlap", "0.9", "--required-only"]] {
                    let case = Case { task: Task::Quotes, script: "score_quotes.py", gold: g.clone(), pred: pred.clone(), flags };
                    let v = check(&shared, &case);
                    if pred == &gold && g == &gold && flags.is_empty() {
                        assert_eq!(v["content_f1"], 1.0, "{name}: gold against itself");
                    }
                }
            }
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn times_agree_with_python() {
    let Some(shared) = shared() else { return };
    let dir = tmp_dir().join("times");
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = Rng(11);
    let sets = [
        ("seed", shared.join("corpus/seed/kremlin-call.gold.jsonl")),
        ("meantime-dev", shared.join("data/meantime/dev.gold.jsonl")),
        ("meantime-full", shared.join("data/meantime/full.gold.jsonl")),
    ];
    for (name, gold) in sets {
        if !gold.exists() {
            println!("SKIP: {} not found", gold.display());
            continue;
        }
        let docs = read_jsonl(&gold);
        let optional = dir.join(format!("{name}.optional.gold.jsonl"));
        write_jsonl(&optional, &mark_optional(&mut rng, &docs, "times"));
        let mut preds = vec![gold.clone()];
        for k in 0..3 {
            let p = dir.join(format!("{name}.pred{k}.jsonl"));
            write_jsonl(&p, &perturb_times(&mut rng, &docs));
            preds.push(p);
        }
        for pred in &preds {
            for g in [&gold, &optional] {
                for flags in [&[][..], &["--required-only"]] {
                    check(&shared, &Case { task: Task::Times, script: "score_times.py", gold: g.clone(), pred: pred.clone(), flags });
                }
            }
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn entities_agree_with_python() {
    let Some(shared) = shared() else { return };
    let dir = tmp_dir().join("entities");
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = Rng(13);
    let gold = shared.join("data/conll2003/dev.gold.jsonl");
    if !gold.exists() {
        println!("SKIP: {} not found", gold.display());
        return;
    }
    let docs = read_jsonl(&gold);
    let optional = dir.join("conll-dev.optional.gold.jsonl");
    write_jsonl(&optional, &mark_optional(&mut rng, &docs, "entities"));
    let mut preds = vec![gold.clone()];
    for k in 0..3 {
        let p = dir.join(format!("conll-dev.pred{k}.jsonl"));
        write_jsonl(&p, &perturb_entities(&mut rng, &docs));
        preds.push(p);
    }
    for pred in &preds {
        for g in [&gold, &optional] {
            for flags in [&[][..], &["--required-only"], &["--keep-value-types"], &["--keep-value-types", "--required-only"]] {
                check(&shared, &Case { task: Task::Entities, script: "score_entities.py", gold: g.clone(), pred: pred.clone(), flags });
            }
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn stance_agrees_with_python() {
    let Some(shared) = shared() else { return };
    let dir = tmp_dir().join("stance");
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = Rng(17);
    let sets = [
        ("fnc1", shared.join("data/stance/fnc1-train.jsonl"), 5000usize),
        ("emergent", shared.join("data/stance/emergent-train.jsonl"), usize::MAX),
    ];
    let labels = ["agree", "disagree", "discuss", "unrelated", "for", "against", "observing"];
    for (name, full, n) in sets {
        if !full.exists() {
            println!("SKIP: {} not found", full.display());
            continue;
        }
        let docs: Vec<_> = read_jsonl(&full).into_iter().take(n).collect();
        let gold = dir.join(format!("{name}.gold.jsonl"));
        write_jsonl(&gold, &docs);
        let mut preds = vec![gold.clone()];
        for k in 0..2 {
            let p = dir.join(format!("{name}.pred{k}.jsonl"));
            write_jsonl(&p, &perturb_stance(&mut rng, &docs, &labels));
            preds.push(p);
        }
        for pred in &preds {
            check(&shared, &Case { task: Task::Stance, script: "score_stance.py", gold: gold.clone(), pred: pred.clone(), flags: &[] });
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

fn perturb_bodies(rng: &mut Rng, gold: &Map<String, Value>) -> Vec<Map<String, Value>> {
    let mut out = Vec::new();
    for (id, g) in gold {
        let body = g.get("articleBody").and_then(Value::as_str).unwrap_or("");
        let text = match rng.below(10) {
            0 => continue, // missing page
            1 => Value::Null,
            2 => json!(""),
            3 => json!(format!("Subscribe now! Share on Twitter. {body} Related stories: more news.")),
            4 | 5 => {
                let kept: Vec<&str> = body.split(". ").filter(|_| !rng.chance(0.3)).collect();
                json!(kept.join(". "))
            }
            6 => json!(body.chars().take(body.chars().count() / 2).collect::<String>()),
            _ => json!(body),
        };
        out.push(json!({"id": id, "text": text}).as_object().unwrap().clone());
    }
    out.push(json!({"id": "not-in-gold", "text": "stray"}).as_object().unwrap().clone());
    out
}

#[test]
fn extraction_agrees_with_python() {
    let Some(shared) = shared() else { return };
    let gold = shared.join("data/html-extraction/zyte/ground-truth.json");
    if !gold.exists() {
        println!("SKIP: {} not found", gold.display());
        return;
    }
    let dir = tmp_dir().join("extraction");
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = Rng(19);
    let g: Value = serde_json::from_str(&std::fs::read_to_string(&gold).unwrap()).unwrap();
    let g = g.as_object().unwrap();
    let perfect: Vec<Map<String, Value>> = g
        .iter()
        .map(|(id, v)| json!({"id": id, "text": v["articleBody"]}).as_object().unwrap().clone())
        .collect();
    let mut preds = vec![dir.join("perfect.jsonl")];
    write_jsonl(&preds[0], &perfect);
    for k in 0..2 {
        let p = dir.join(format!("pred{k}.jsonl"));
        write_jsonl(&p, &perturb_bodies(&mut rng, g));
        preds.push(p);
    }
    for pred in &preds {
        for flags in [&[][..], &["--bootstrap", "200"]] {
            check(&shared, &Case { task: Task::Extraction, script: "score_extraction.py", gold: gold.clone(), pred: pred.clone(), flags });
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

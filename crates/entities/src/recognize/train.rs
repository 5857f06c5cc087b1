//! Training the tagger (averaged structured perceptron) and scoring it, CoNLL-style.
//!
//! Data: interchange JSONL pairs `PREFIX.input.jsonl` (id, text) and `PREFIX.gold.jsonl`
//! (id, entities: [{span: [s, e], type}] in code point offsets), as in `shared/data/conll2003`.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use onrecord_core::interchange::CharOffsets;
use onrecord_core::text::TextLayer;
use onrecord_core::{Component, Document, EntityType, Span};

use super::features::{self, Lexicon};
use super::model::{self, Model, CLASSES, NT};
use super::Recognizer;

/// A document with its gold names (byte spans, CoNLL class index).
pub struct Example {
    pub doc: Document,
    pub gold: Vec<(Span, usize)>,
}

/// The CoNLL class index of a type name (PER/PERSON, ORG, LOC/GPE, anything else MISC).
pub fn class_of_name(t: &str) -> usize {
    match t.to_ascii_uppercase().as_str() {
        "PER" | "PERSON" => 0,
        "ORG" | "ORGANIZATION" | "ORGANISATION" => 1,
        "LOC" | "LOCATION" | "GPE" => 2,
        _ => 3,
    }
}

/// The CoNLL class index of an entity type, as `score_entities.py` maps it.
pub fn class_of(t: EntityType) -> usize {
    match t {
        EntityType::Person => 0,
        EntityType::Org => 1,
        EntityType::Gpe | EntityType::Loc => 2,
        _ => 3,
    }
}

/// Reads `PREFIX.input.jsonl` and `PREFIX.gold.jsonl` and runs the text layer on each document.
pub fn load(prefix: &str) -> Result<Vec<Example>, String> {
    let read = |suffix: &str| -> Result<Vec<serde_json::Value>, String> {
        let path = format!("{prefix}.{suffix}.jsonl");
        let s = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
        s.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).map_err(|e| format!("{path}: {e}")))
            .collect()
    };
    let gold: HashMap<String, serde_json::Value> = read("gold")?
        .into_iter()
        .map(|v| (v["id"].as_str().unwrap_or_default().to_string(), v))
        .collect();
    let layer = TextLayer::new();
    let mut out = Vec::new();
    for v in read("input")? {
        let id = v["id"].as_str().unwrap_or_default().to_string();
        let text = v["text"].as_str().unwrap_or_default().to_string();
        let mut doc = Document::new(id.clone(), text);
        layer.process(&mut doc).map_err(|e| e.to_string())?;
        // Code point offsets -> byte offsets.
        let bytes: Vec<usize> = doc.text.char_indices().map(|(b, _)| b).chain([doc.text.len()]).collect();
        let mut spans = Vec::new();
        for e in gold.get(&id).and_then(|g| g["entities"].as_array()).into_iter().flatten() {
            let class = class_of_name(e["type"].as_str().unwrap_or(""));
            let s = &e["span"];
            let (Some(a), Some(b)) = (s[0].as_u64(), s[1].as_u64()) else { continue };
            if let (Some(&a), Some(&b)) = (bytes.get(a as usize), bytes.get(b as usize)) {
                spans.push((Span::new(a, b), class));
            }
        }
        out.push(Example { doc, gold: spans });
    }
    Ok(out)
}

/// Micro precision, recall and F1 over exact (span, class) matches, per class too.
#[derive(Debug, Clone, Default)]
pub struct Score {
    pub tp: usize,
    pub pred: usize,
    pub gold: usize,
    pub per_class: [(usize, usize, usize); 4],
}

impl Score {
    pub fn add(&mut self, gold: &[(Span, usize)], pred: &[(Span, usize)]) {
        let g: HashSet<_> = gold.iter().copied().collect();
        let p: HashSet<_> = pred.iter().copied().collect();
        for &(_, c) in &g {
            self.per_class[c].2 += 1;
        }
        for &(s, c) in &p {
            self.per_class[c].1 += 1;
            if g.contains(&(s, c)) {
                self.per_class[c].0 += 1;
                self.tp += 1;
            }
        }
        self.pred += p.len();
        self.gold += g.len();
    }

    pub fn prf(&self) -> (f64, f64, f64) {
        prf(self.tp, self.pred, self.gold)
    }

    pub fn report(&self) -> String {
        let (p, r, f) = self.prf();
        let mut s = format!("P {p:.4} R {r:.4} F1 {f:.4} (tp {} pred {} gold {})", self.tp, self.pred, self.gold);
        for (c, &(tp, np, ng)) in self.per_class.iter().enumerate() {
            s += &format!("  {} {:.3}", CLASSES[c], prf(tp, np, ng).2);
        }
        s
    }
}

fn prf(tp: usize, np: usize, ng: usize) -> (f64, f64, f64) {
    let p = if np > 0 { tp as f64 / np as f64 } else { 0.0 };
    let r = if ng > 0 { tp as f64 / ng as f64 } else { 0.0 };
    (p, r, if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 })
}

/// Scores a recogniser on examples; `CharOffsets` is not needed since both sides are bytes.
pub fn evaluate(rec: &Recognizer, data: &[Example]) -> Score {
    let mut score = Score::default();
    for ex in data {
        let pred: Vec<(Span, usize)> = rec.recognize(&ex.doc).iter().map(|m| (m.span, class_of(m.kind))).collect();
        score.add(&ex.gold, &pred);
    }
    score
}

/// One training sentence: feature ids per token (flattened) and gold tags.
struct Sent {
    feats: Vec<u32>,
    offsets: Vec<u32>,
    gold: Vec<usize>,
}

/// Training options.
#[derive(Debug, Clone)]
pub struct Options {
    pub epochs: usize,
    pub seed: u64,
    /// Weights smaller than this (absolute) are dropped from the saved model.
    pub prune: f32,
}

impl Default for Options {
    fn default() -> Self {
        Options { epochs: 12, seed: 42, prune: 0.05 }
    }
}

/// Trains on `train`, logging each epoch's training accuracy and `dev` F1; returns the
/// averaged model of the last epoch.
pub fn train(train: &[Example], dev: &[Example], opts: &Options, log: &mut dyn FnMut(&str)) -> Model {
    let lex = Lexicon::builtin();
    let mut ids: HashMap<u64, u32> = HashMap::new();
    let mut hashes: Vec<u64> = Vec::new();
    let mut sents = Vec::new();
    let (mut misaligned, mut total_gold) = (0, 0);
    let mut doccase = Default::default();
    let mut toks = Vec::new();
    let mut orig = Vec::new();
    let mut fv = Vec::new();
    for ex in train {
        let doc = &ex.doc;
        features::doc_casing(doc, &mut doccase);
        total_gold += ex.gold.len();
        let mut aligned = 0;
        for s in &doc.sentences {
            let stoks = &doc.tokens[s.tokens.clone()];
            if stoks.is_empty() {
                continue;
            }
            let mut mentions = Vec::new();
            for &(g, c) in &ex.gold {
                let a = stoks.iter().position(|t| t.span.start == g.start);
                let b = stoks.iter().position(|t| t.span.end == g.end);
                if let (Some(a), Some(b)) = (a, b) {
                    if a <= b {
                        mentions.push((a..b + 1, c));
                        aligned += 1;
                    }
                }
            }
            features::sentence_toks(doc, stoks, &lex, &doccase, &mut toks, &mut orig);
            if toks.len() != stoks.len() {
                // A fused possessive, which the CoNLL text never has; keep the tags aligned.
                continue;
            }
            let allcaps = features::all_caps(&doc.text, stoks);
            let mut sent = Sent { feats: Vec::new(), offsets: vec![0], gold: model::tags_of(stoks.len(), &mentions) };
            for i in 0..toks.len() {
                features::features(&toks, i, allcaps, &mut fv);
                for &h in &fv {
                    let next = ids.len() as u32;
                    let id = *ids.entry(h).or_insert_with(|| {
                        hashes.push(h);
                        next
                    });
                    sent.feats.push(id);
                }
                sent.offsets.push(sent.feats.len() as u32);
            }
            sents.push(sent);
        }
        misaligned += ex.gold.len() - aligned.min(ex.gold.len());
    }
    log(&format!(
        "train: {} sentences, {} features, {} gold names ({} not on token boundaries)",
        sents.len(),
        hashes.len(),
        total_gold,
        misaligned
    ));
    let mut p = Perceptron::new(hashes.len());
    let mut order: Vec<usize> = (0..sents.len()).collect();
    let mut rng = opts.seed.max(1);
    let mut em: Vec<[f32; NT]> = Vec::new();
    let (mut back, mut pred) = (Vec::new(), Vec::new());
    for epoch in 1..=opts.epochs {
        // Fisher-Yates with xorshift64: a fixed seed gives the same model every run.
        for i in (1..order.len()).rev() {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            order.swap(i, (rng % (i as u64 + 1)) as usize);
        }
        let (mut correct, mut ntok, mut wrong_sents) = (0, 0, 0);
        for &si in &order {
            let s = &sents[si];
            let n = s.gold.len();
            em.clear();
            for i in 0..n {
                let mut e = [0f32; NT];
                for &f in &s.feats[s.offsets[i] as usize..s.offsets[i + 1] as usize] {
                    let w = &p.w[f as usize];
                    for t in 0..NT {
                        e[t] += w[t];
                    }
                }
                em.push(e);
            }
            model::viterbi(&em, &p.trans, &p.start, &p.end, &mut back, &mut pred);
            p.c += 1.0;
            ntok += n;
            let ok = pred.iter().zip(&s.gold).filter(|(a, b)| a == b).count();
            correct += ok;
            if ok == n {
                continue;
            }
            wrong_sents += 1;
            for i in 0..n {
                let (g, y) = (s.gold[i], pred[i]);
                if g != y {
                    for &f in &s.feats[s.offsets[i] as usize..s.offsets[i + 1] as usize] {
                        p.bump_w(f as usize, g, 1.0);
                        p.bump_w(f as usize, y, -1.0);
                    }
                }
                let (gp, yp) = if i == 0 { (None, None) } else { (Some(s.gold[i - 1]), Some(pred[i - 1])) };
                if (gp, g) != (yp, y) {
                    p.bump_t(gp, g, 1.0);
                    p.bump_t(yp, y, -1.0);
                }
            }
            if s.gold[n - 1] != pred[n - 1] {
                p.bump_end(s.gold[n - 1], 1.0);
                p.bump_end(pred[n - 1], -1.0);
            }
        }
        let m = p.averaged(&hashes, opts.prune);
        let rows = m.len();
        let score = evaluate(&Recognizer::with_model(Arc::new(m)), dev);
        log(&format!(
            "epoch {epoch:2}: train token accuracy {:.4}, sentences with errors {wrong_sents}, rows {rows}; dev {}",
            correct as f64 / ntok.max(1) as f64,
            score.report()
        ));
    }
    p.averaged(&hashes, opts.prune)
}

/// Perceptron weights with the running sums needed for averaging: `avg = w - u / c`.
struct Perceptron {
    w: Vec<[f32; NT]>,
    u: Vec<[f32; NT]>,
    trans: [[f32; NT]; NT],
    trans_u: [[f32; NT]; NT],
    start: [f32; NT],
    start_u: [f32; NT],
    end: [f32; NT],
    end_u: [f32; NT],
    c: f32,
}

impl Perceptron {
    fn new(n: usize) -> Self {
        Perceptron {
            w: vec![[0.0; NT]; n],
            u: vec![[0.0; NT]; n],
            trans: [[0.0; NT]; NT],
            trans_u: [[0.0; NT]; NT],
            start: [0.0; NT],
            start_u: [0.0; NT],
            end: [0.0; NT],
            end_u: [0.0; NT],
            c: 1.0,
        }
    }

    fn bump_w(&mut self, f: usize, t: usize, d: f32) {
        self.w[f][t] += d;
        self.u[f][t] += self.c * d;
    }

    fn bump_t(&mut self, prev: Option<usize>, t: usize, d: f32) {
        match prev {
            Some(p) => {
                self.trans[p][t] += d;
                self.trans_u[p][t] += self.c * d;
            }
            None => {
                self.start[t] += d;
                self.start_u[t] += self.c * d;
            }
        }
    }

    fn bump_end(&mut self, t: usize, d: f32) {
        self.end[t] += d;
        self.end_u[t] += self.c * d;
    }

    fn averaged(&self, hashes: &[u64], prune: f32) -> Model {
        let c = self.c;
        let avg = |w: f32, u: f32| w - u / c;
        let rows = self.w.iter().zip(&self.u).zip(hashes).filter_map(|((w, u), &h)| {
            let mut r = [0f32; NT];
            let mut keep = false;
            for t in 0..NT {
                let x = avg(w[t], u[t]);
                if x.abs() >= prune {
                    r[t] = x;
                    keep = true;
                }
            }
            keep.then_some((h, r))
        });
        let mut m = Model::from_rows(rows);
        for p in 0..NT {
            for t in 0..NT {
                m.trans[p][t] = avg(self.trans[p][t], self.trans_u[p][t]);
            }
            m.start[p] = avg(self.start[p], self.start_u[p]);
            m.end[p] = avg(self.end[p], self.end_u[p]);
        }
        m
    }
}

/// Writes predictions as interchange JSONL lines (`{"id", "entities": [{type, mentions}]}`),
/// code point offsets, one entity item per mention.
pub fn prediction_json(doc: &Document, mentions: &[super::NameMention]) -> serde_json::Value {
    let co = CharOffsets::new(&doc.text);
    let ents: Vec<serde_json::Value> = mentions
        .iter()
        .map(|m| serde_json::json!({"type": m.kind, "text": doc.slice(m.span), "mentions": [co.span(m.span)]}))
        .collect();
    serde_json::json!({"id": doc.id, "entities": ents})
}

/// True when `path` exists (helper for tests that need `../shared`).
pub fn exists(path: &str) -> bool {
    Path::new(path).exists()
}

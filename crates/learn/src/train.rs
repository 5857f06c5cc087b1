//! Training the head: frozen MiniLM features cached to disk (f16), then AdamW on the head with a
//! fixed seed, scored on dev after every epoch; the best epoch's weights are kept.

use std::collections::HashMap;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use candle_core::{Device, Tensor, D};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use half::f16;
use serde_json::Value;

use crate::features::{self, WIDTH};
use crate::model::{Head, Rng};
use crate::{decode, gold, LearnError, Tagger};

/// One document's cached features and gold labels.
pub struct Example {
    pub rows: Vec<f16>,
    pub labels: Vec<u8>,
}

impl Example {
    pub fn len(&self) -> usize {
        self.labels.len()
    }
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}

/// Wraps an I/O error with the path it concerns.
pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> LearnError + '_ {
    move |source| LearnError::Io { path: path.to_path_buf(), source }
}

/// Reads gold interchange JSON Lines: (document as ingested, gold object).
pub fn read_gold(path: &Path) -> Result<Vec<(onrecord_core::Document, Value)>, LearnError> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    let mut golds: HashMap<String, Value> = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line)
            .map_err(|e| LearnError::Data(format!("{}:{}: {e}", path.display(), n + 1)))?;
        let id = v.get("id").map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string)).unwrap_or_default();
        golds.insert(id, v);
    }
    let mut out = Vec::new();
    for d in onrecord_ingest::read_all(&[path.to_path_buf()]) {
        let d = d.map_err(|e| LearnError::Data(format!("{}: {e}", path.display())))?;
        if let Some(g) = golds.remove(&d.id) {
            out.push((d, g));
        }
    }
    Ok(out)
}

/// Every `k`-th document so that about `max` remain, spread over the whole file.
pub fn subsample<T>(v: Vec<T>, max: Option<usize>) -> Vec<T> {
    let n = v.len();
    match max {
        Some(m) if m < n && m > 0 => v.into_iter().enumerate().filter(|(i, _)| i * m / n != (i + 1) * m / n).map(|(_, x)| x).collect(),
        _ => v,
    }
}

/// Features and labels for `docs`, read from `cache` when it exists, else computed and written.
pub fn examples(tagger: &Tagger, docs: Vec<(onrecord_core::Document, Value)>, cache: &Path) -> Result<Vec<Example>, LearnError> {
    if let Ok(ex) = read_cache(cache) {
        if ex.len() == docs.len() {
            eprintln!("features: {} documents from cache {}", ex.len(), cache.display());
            return Ok(ex);
        }
    }
    let pipeline = crate::rule_pipeline();
    let started = Instant::now();
    let mut out = Vec::with_capacity(docs.len());
    let mut tokens = 0usize;
    for (i, (mut doc, g)) in docs.into_iter().enumerate() {
        pipeline.run(&mut doc).map_err(|e| LearnError::Data(format!("{}: {e}", doc.id)))?;
        let labels = gold::labels(&doc, &g);
        let states = features::token_states(&tagger.encoding, &doc)?;
        let extras = features::extras(&doc, &tagger.lex);
        let rows = features::rows(&states, &extras, doc.tokens.len());
        tokens += labels.len();
        out.push(Example {
            rows: rows.into_iter().map(f16::from_f32).collect(),
            labels: labels.into_iter().map(|l| l as u8).collect(),
        });
        if (i + 1) % 20 == 0 {
            let s = started.elapsed().as_secs_f64();
            eprintln!("features: {} docs, {tokens} tokens, {:.1} docs/s", i + 1, (i + 1) as f64 / s);
        }
    }
    if let Some(dir) = cache.parent() {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    write_cache(cache, &out)?;
    Ok(out)
}

fn write_cache(path: &Path, ex: &[Example]) -> Result<(), LearnError> {
    write_cache_of(path, ex, WIDTH)
}

/// Writes feature rows `width` wide (see [`read_cache_of`]).
pub fn write_cache_of(path: &Path, ex: &[Example], width: usize) -> Result<(), LearnError> {
    let f = std::fs::File::create(path).map_err(io(path))?;
    let mut w = BufWriter::new(f);
    let mut put = |b: &[u8]| w.write_all(b).map_err(io(path));
    put(b"ORLF1")?;
    put(&(width as u32).to_le_bytes())?;
    put(&(ex.len() as u32).to_le_bytes())?;
    for e in ex {
        put(&(e.labels.len() as u32).to_le_bytes())?;
        put(&e.labels)?;
        let bytes: Vec<u8> = e.rows.iter().flat_map(|x| x.to_le_bytes()).collect();
        put(&bytes)?;
    }
    drop(put);
    w.flush().map_err(io(path))
}

/// Reads a feature cache written by [`examples`].
pub fn read_cache(path: &Path) -> Result<Vec<Example>, LearnError> {
    read_cache_of(path, WIDTH)
}

/// Reads a feature cache of rows `width` wide.
pub fn read_cache_of(path: &Path, width: usize) -> Result<Vec<Example>, LearnError> {
    let f = std::fs::File::open(path).map_err(io(path))?;
    let mut r = BufReader::new(f);
    let mut take = |n: usize| -> Result<Vec<u8>, LearnError> {
        let mut b = vec![0u8; n];
        r.read_exact(&mut b).map_err(io(path))?;
        Ok(b)
    };
    let u32_of = |b: Vec<u8>| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
    if take(5)? != b"ORLF1" {
        return Err(LearnError::Data(format!("{}: not a feature cache", path.display())));
    }
    if u32_of(take(4)?) != width {
        return Err(LearnError::Data(format!("{}: feature width changed", path.display())));
    }
    let docs = u32_of(take(4)?);
    let mut out = Vec::with_capacity(docs);
    for _ in 0..docs {
        let n = u32_of(take(4)?);
        let labels = take(n)?;
        let raw = take(n * width * 2)?;
        let rows = raw.chunks_exact(2).map(|c| f16::from_le_bytes([c[0], c[1]])).collect();
        out.push(Example { rows, labels });
    }
    Ok(out)
}

/// Training settings (all fixed by the command line, so a run is reproducible).
#[derive(Debug, Clone)]
pub struct Config {
    pub epochs: usize,
    pub lr: f64,
    pub seed: u64,
    pub seq_len: usize,
    pub batch: usize,
    /// Context layers of the head.
    pub layers: usize,
    /// Dropout rate on the head's input and layer outputs while training (0: none).
    pub dropout: f32,
    /// Width of the feature rows.
    pub width: usize,
    /// Names of the tagged classes (label 0 is O, then B and I of each, in this order).
    pub classes: Vec<&'static str>,
}

/// The attribution tagger's classes.
pub const ATTRIBUTION_CLASSES: [&str; 3] = ["source", "cue", "content"];

impl Default for Config {
    fn default() -> Self {
        Config {
            epochs: 8,
            lr: 2e-3,
            seed: 13,
            seq_len: 192,
            batch: 16,
            layers: crate::model::CONTEXT_LAYERS,
            dropout: 0.0,
            width: WIDTH,
            classes: ATTRIBUTION_CLASSES.to_vec(),
        }
    }
}

/// A training sequence: (example index, first token, length).
type Seq = (usize, usize, usize);

fn sequences(ex: &[Example], len: usize) -> Vec<Seq> {
    let mut out = Vec::new();
    for (i, e) in ex.iter().enumerate() {
        let mut s = 0;
        while s < e.len() {
            out.push((i, s, len.min(e.len() - s)));
            s += len;
        }
    }
    out
}

fn batch_tensors(ex: &[Example], seqs: &[Seq], len: usize, width: usize) -> Result<(Tensor, Tensor, Tensor), LearnError> {
    let b = seqs.len();
    let mut x = vec![0f32; b * len * width];
    let mut y = vec![0u32; b * len];
    let mut m = vec![0f32; b * len];
    for (k, &(i, s, n)) in seqs.iter().enumerate() {
        let e = &ex[i];
        for t in 0..n {
            let src = &e.rows[(s + t) * width..(s + t + 1) * width];
            let dst = &mut x[(k * len + t) * width..(k * len + t + 1) * width];
            for (d, v) in dst.iter_mut().zip(src) {
                *d = v.to_f32();
            }
            y[k * len + t] = u32::from(e.labels[s + t]);
            m[k * len + t] = 1.0;
        }
    }
    let dev = Device::Cpu;
    Ok((
        Tensor::from_vec(x, (b, len, width), &dev)?,
        Tensor::from_vec(y, (b, len), &dev)?,
        Tensor::from_vec(m, (b, len), &dev)?,
    ))
}

/// Token-level scores on dev: F1 of exact spans per class, from constrained Viterbi decoding.
#[derive(Debug, Clone, Default)]
pub struct DevScore {
    /// Per class (in label order).
    pub f1: Vec<f64>,
    /// Over all classes' spans together (exact span and class).
    pub micro_f1: f64,
    pub loss: f64,
}

impl DevScore {
    /// The mean of the classes' F1 (what picks the best epoch).
    pub fn mean(&self) -> f64 {
        self.f1.iter().sum::<f64>() / self.f1.len().max(1) as f64
    }
}

fn span_set(labels: &[usize], part: usize) -> Vec<(usize, usize)> {
    let (b, i) = (2 * part - 1, 2 * part);
    let mut out = Vec::new();
    let mut start = None;
    for (t, &l) in labels.iter().chain(std::iter::once(&0)).enumerate() {
        if l != i {
            if let Some(s) = start.take() {
                out.push((s, t));
            }
        }
        if l == b {
            start = Some(t);
        }
    }
    out
}

pub fn evaluate(head: &Head, ex: &[Example]) -> Result<DevScore, LearnError> {
    let parts = (head.labels.saturating_sub(1)) / 2;
    let mut counts = vec![[0usize; 3]; parts]; // per class: tp, pred, gold
    let mut loss = 0f64;
    let mut ntok = 0usize;
    for e in ex {
        if e.is_empty() {
            continue;
        }
        let (x, y, _) = batch_tensors(std::slice::from_ref(e), &[(0, 0, e.len())], e.len(), head.width)?;
        let lp = candle_nn::ops::log_softmax(&head.forward(&x)?, D::Minus1)?.squeeze(0)?;
        let nll = lp.gather(&y.squeeze(0)?.unsqueeze(1)?, 1)?.sum_all()?.to_scalar::<f32>()?;
        loss -= f64::from(nll);
        ntok += e.len();
        let pred = decode::viterbi(&lp.to_vec2::<f32>()?);
        let goldl: Vec<usize> = e.labels.iter().map(|&l| usize::from(l)).collect();
        for part in 1..=parts {
            let (p, g) = (span_set(&pred, part), span_set(&goldl, part));
            counts[part - 1][0] += p.iter().filter(|s| g.contains(s)).count();
            counts[part - 1][1] += p.len();
            counts[part - 1][2] += g.len();
        }
    }
    let f1 = |c: [usize; 3]| if c[1] + c[2] == 0 { 0.0 } else { 2.0 * c[0] as f64 / (c[1] + c[2]) as f64 };
    let all = counts.iter().fold([0usize; 3], |a, c| [a[0] + c[0], a[1] + c[1], a[2] + c[2]]);
    Ok(DevScore { f1: counts.iter().map(|&c| f1(c)).collect(), micro_f1: f1(all), loss: loss / ntok.max(1) as f64 })
}

/// Decoded labels for one cached example (through the tagging forward pass, as `Tagger::tag`).
pub fn predict(head: &crate::infer::FastHead, e: &Example) -> Result<Vec<usize>, LearnError> {
    let rows: Vec<f32> = e.rows.iter().map(|v| v.to_f32()).collect();
    Ok(decode::viterbi(&head.log_probs(&rows, e.len())?))
}

/// Trains a head; returns the best epoch's head (by mean dev span F1) and a log line per epoch.
pub fn train(train: &[Example], dev: &[Example], cfg: &Config) -> Result<(Head, Vec<String>), LearnError> {
    let labels = 2 * cfg.classes.len() + 1;
    let head = Head::init_sized(cfg.seed, cfg.layers, cfg.width, labels)?;
    if let Some(e) = train.iter().chain(dev).find(|e| e.rows.len() != e.len() * cfg.width) {
        return Err(LearnError::Data(format!("a document has {} feature values for {} tokens of width {}", e.rows.len(), e.len(), cfg.width)));
    }
    if let Some(&l) = train.iter().chain(dev).flat_map(|e| &e.labels).find(|&&l| usize::from(l) >= labels) {
        return Err(LearnError::Data(format!("label {l} out of range for {} classes", cfg.classes.len())));
    }
    let mut opt = AdamW::new(head.vars(), ParamsAdamW { lr: cfg.lr, weight_decay: 0.01, ..Default::default() })?;
    let mut rng = Rng::new(cfg.seed ^ 0x9E37_79B9_7F4A_7C15);
    let mut drop_rng = Rng::new(cfg.seed ^ 0xD1B5_4A32_D192_ED03);
    let mut seqs = sequences(train, cfg.seq_len);
    let mut best: Option<(f64, Vec<(String, Tensor)>)> = None;
    let mut log = Vec::new();
    let started = Instant::now();
    for epoch in 1..=cfg.epochs {
        // Fisher-Yates with the fixed-seed generator.
        for i in (1..seqs.len()).rev() {
            seqs.swap(i, rng.below(i + 1));
        }
        let (mut total, mut steps) = (0f64, 0usize);
        for chunk in seqs.chunks(cfg.batch) {
            let len = chunk.iter().map(|s| s.2).max().unwrap_or(1);
            let (x, y, m) = batch_tensors(train, chunk, len, cfg.width)?;
            let lp = candle_nn::ops::log_softmax(&head.forward_dropout(&x, Some((cfg.dropout, &mut drop_rng)))?, D::Minus1)?;
            let picked = lp.gather(&y.unsqueeze(2)?, 2)?.squeeze(2)?; // (b, len)
            let count = m.sum_all()?.to_scalar::<f32>()?.max(1.0);
            let loss = ((picked * &m)?.sum_all()? / f64::from(-count))?;
            opt.backward_step(&loss)?;
            total += f64::from(loss.to_scalar::<f32>()?);
            steps += 1;
        }
        let d = evaluate(&head, dev)?;
        let per_class: String = cfg.classes.iter().zip(&d.f1).map(|(c, f)| format!(" {c} {f:.3}")).collect();
        let line = format!(
            "epoch {epoch}: train loss {:.4}, dev loss {:.4}, dev span F1{per_class} (mean {:.3}, all {:.3}), {:.0} s",
            total / steps.max(1) as f64,
            d.loss,
            d.mean(),
            d.micro_f1,
            started.elapsed().as_secs_f64()
        );
        eprintln!("{line}");
        log.push(line);
        if best.as_ref().is_none_or(|(b, _)| d.mean() > *b) {
            let snap = head.params.iter().map(|(n, v)| Ok((n.clone(), v.as_tensor().copy()?))).collect::<Result<Vec<_>, LearnError>>()?;
            best = Some((d.mean(), snap));
        }
    }
    let (layers, width, labels) = (head.layers, head.width, head.labels);
    let params = match best {
        Some((_, snap)) => snap.into_iter().map(|(n, t)| Ok((n, candle_core::Var::from_tensor(&t)?))).collect::<Result<Vec<_>, LearnError>>()?,
        None => head.params,
    };
    Ok((Head { params, layers, width, labels }, log))
}

/// Default feature-cache directory: `target/learn-cache` under the workspace.
pub fn default_cache_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/learn-cache")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_from_labels() {
        assert_eq!(span_set(&[5, 6, 0, 5, 5, 6], 3), vec![(0, 2), (3, 4), (4, 6)]);
        assert_eq!(span_set(&[1, 3, 4], 2), vec![(1, 3)]);
    }

    #[test]
    fn subsample_spreads() {
        let v: Vec<usize> = (0..10).collect();
        assert_eq!(subsample(v.clone(), Some(5)).len(), 5);
        assert_eq!(subsample(v, None).len(), 10);
    }

    #[test]
    fn a_tiny_head_learns() {
        // Two fake documents where extra feature 0 decides content.
        let mk = |n: usize| {
            let mut rows = vec![f16::ZERO; n * WIDTH];
            let mut labels = vec![0u8; n];
            for t in 0..n {
                if t % 4 < 2 {
                    rows[t * WIDTH + crate::features::WIDTH - crate::features::EXTRA] = f16::ONE;
                    labels[t] = if t % 4 == 0 { 5 } else { 6 };
                }
            }
            Example { rows, labels }
        };
        let ex = vec![mk(40), mk(24)];
        let cfg = Config { epochs: 30, lr: 1e-2, seed: 1, seq_len: 16, batch: 4, ..Config::default() };
        let (head, log) = train(&ex, &ex, &cfg).unwrap();
        assert_eq!(log.len(), 30);
        let d = evaluate(&head, &ex).unwrap();
        assert!(d.f1[2] > 0.9, "{d:?}");
    }
}

//! Trains the stance heads on FNC-1 train (minus the dev and val bodies, see `eval::split_of`)
//! plus, optionally, Emergent; logs loss and val/dev scores per epoch; writes `model/`.
//!
//! cargo run --release -p onrecord-stance --bin train-stance -- \
//!     --data ../shared/data/stance --out crates/stance/model

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::{Context, Result};
use clap::Parser;
use onrecord_embed::Encoder;
use onrecord_stance::eval::{load_emergent, load_fnc, score, split_of, Scores, Split};
use onrecord_stance::features::LEXICAL_NAMES;
use onrecord_stance::head::{Head, TrainConfig};
use onrecord_stance::text::{words, Idf, Lexicon};
use onrecord_stance::{argmax, EmbedCache, Featurizer, Meta, Stance};

#[derive(Parser)]
struct Args {
    /// Folder with fnc1-train.jsonl, fnc1-train-bodies.jsonl and emergent-train.jsonl.
    #[arg(long, default_value = "../shared/data/stance")]
    data: PathBuf,
    /// Where to write meta.json, lexical.safetensors and full.safetensors.
    #[arg(long, default_value = "crates/stance/model")]
    out: PathBuf,
    /// Sentence-embedding cache file (created if absent).
    #[arg(long, default_value = "target/stance-cache/minilm.bin")]
    cache: PathBuf,
    /// Also train on Emergent (claim vs headline).
    #[arg(long)]
    emergent: bool,
    /// Skip the MiniLM head (train only the lexical fallback).
    #[arg(long)]
    lexical_only: bool,
    #[arg(long, default_value_t = 20)]
    epochs: usize,
    #[arg(long, default_value_t = 256)]
    hidden: usize,
    #[arg(long, default_value_t = 0.001)]
    lr: f64,
    #[arg(long, default_value_t = 0.3)]
    dropout: f32,
    /// Class weights are (N / (4 n_c))^power: 0 = unweighted, 1 = fully balanced.
    #[arg(long, default_value_t = 0.5)]
    weight_power: f32,
    #[arg(long, default_value_t = 13)]
    seed: u64,
    /// Write dev gold and predictions (jsonl) here, for shared/eval/score_stance.py.
    #[arg(long)]
    write_dev: Option<PathBuf>,
}

fn fmt(s: &Scores) -> String {
    format!(
        "fnc {:.4} macro-F1 {:.4} (agree {:.3} disagree {:.3} discuss {:.3} unrelated {:.3})",
        s.fnc_relative(), s.macro_f1, s.f1[0], s.f1[1], s.f1[2], s.f1[3]
    )
}

struct Set {
    rows: Vec<Vec<f32>>,
    gold: Vec<Stance>,
    ids: Vec<String>,
}

fn main() -> Result<()> {
    let a = Args::parse();
    let (pairs, bodies) = load_fnc(&a.data.join("fnc1-train.jsonl"), &a.data.join("fnc1-train-bodies.jsonl"))
        .context("loading FNC-1")?;
    let lex = Lexicon::builtin();
    // IDF from the train-split bodies and headlines only.
    let mut docs: Vec<Vec<String>> = Vec::new();
    let mut seen_h = std::collections::HashSet::new();
    for (id, text) in &bodies {
        if split_of(id) == Split::Train {
            docs.push(lex.stems(&words(text)));
        }
    }
    for p in &pairs {
        if split_of(&p.body_id) == Split::Train && seen_h.insert(p.claim.as_str()) {
            docs.push(lex.stems(&words(&p.claim)));
        }
    }
    let idf = Idf::fit(docs.iter().map(|d| d.as_slice()), 2);
    eprintln!("idf: {} stems from {} documents", idf.idf.len(), idf.docs);

    let encoder = if a.lexical_only {
        None
    } else {
        Some(Encoder::load_default().context("the full head needs MiniLM (or pass --lexical-only)")?)
    };
    let cache = Mutex::new(EmbedCache::open(&a.cache)?);
    eprintln!("embedding cache {}: {} vectors", a.cache.display(), cache.lock().map(|c| c.len()).unwrap_or(0));

    let mut sets: HashMap<&str, Vec<(String, &str, &str, Stance)>> = HashMap::new();
    for p in &pairs {
        let Some(body) = bodies.get(&p.body_id) else { continue };
        let name = match split_of(&p.body_id) {
            Split::Train => "train",
            Split::Val => "val",
            Split::Dev => "dev",
        };
        sets.entry(name).or_default().push((p.id.clone(), p.claim.as_str(), body.as_str(), p.stance));
    }
    let emergent = if a.emergent { load_emergent(&a.data.join("emergent-train.jsonl"))? } else { Vec::new() };
    for (i, (c, h, s)) in emergent.iter().enumerate() {
        sets.entry("train").or_default().push((format!("emergent-{i}"), c.as_str(), h.as_str(), *s));
    }
    for (k, v) in &sets {
        eprintln!("{k}: {} pairs", v.len());
    }

    let build = |name: &str, enc: Option<&Encoder>| -> Result<Set> {
        let items = sets.get(name).map(|v| v.as_slice()).unwrap_or(&[]);
        let f = Featurizer { lex: &lex, idf: &idf, encoder: enc, cache: Some(&cache) };
        let pairs: Vec<(&str, &str)> = items.iter().map(|x| (x.1, x.2)).collect();
        let t = std::time::Instant::now();
        let rows = f.rows(&pairs)?;
        eprintln!("{name}: {} feature rows of {} in {:.1} s", rows.len(), rows.first().map_or(0, |r| r.len()), t.elapsed().as_secs_f64());
        Ok(Set { rows, gold: items.iter().map(|x| x.3).collect(), ids: items.iter().map(|x| x.0.clone()).collect() })
    };

    let mut counts = [0usize; 4];
    for x in sets.get("train").map(|v| v.as_slice()).unwrap_or(&[]) {
        counts[x.3.index()] += 1;
    }
    let n: usize = counts.iter().sum();
    let class_weights: Vec<f32> =
        counts.iter().map(|&c| ((n as f32) / (4.0 * c.max(1) as f32)).powf(a.weight_power)).collect();
    eprintln!("class counts {counts:?}, weights {class_weights:?}");

    let mut notes = serde_json::json!({
        "split": "FNC-1 train by body id: fnv1a64(\"onrecord-stance:\" + body_id) % 100 in 0..15 dev, 15..25 val (epoch choice), rest train",
        "seed": a.seed, "epochs": a.epochs, "hidden": a.hidden, "lr": a.lr, "dropout": a.dropout,
        "weight_power": a.weight_power, "emergent": a.emergent,
    });
    let mut heads: Vec<(&str, Head)> = Vec::new();
    let variants: Vec<(&str, Option<&Encoder>)> = if a.lexical_only {
        vec![("lexical", None)]
    } else {
        vec![("lexical", None), ("full", encoder.as_ref())]
    };
    for (name, enc) in variants {
        eprintln!("== {name} head");
        let (train, val, dev) = (build("train", enc)?, build("val", enc)?, build("dev", enc)?);
        let labels: Vec<u32> = train.gold.iter().map(|s| s.index() as u32).collect();
        let hidden = if enc.is_some() { a.hidden } else { a.hidden.min(64) };
        let cfg = TrainConfig {
            hidden, epochs: a.epochs, batch: 128, lr: a.lr, weight_decay: 1e-4, dropout: a.dropout,
            class_weights: class_weights.clone(), seed: a.seed,
        };
        let mut best = -1.0;
        let mut best_epoch = 0;
        let eval = |h: &Head, s: &Set| -> Result<Scores> {
            let pred: Vec<Stance> = h.predict(&s.rows)?.iter().map(|p| argmax(p)).collect();
            Ok(score(&s.gold, &pred))
        };
        let head = Head::train(&train.rows, &labels, 4, &cfg, |epoch, loss, h| {
            let (v, d) = match (eval(h, &val), eval(h, &dev)) {
                (Ok(v), Ok(d)) => (v, d),
                _ => return false,
            };
            eprintln!("{name} epoch {epoch:2} loss {loss:.4} | val {} | dev {}", fmt(&v), fmt(&d));
            if v.macro_f1 > best {
                best = v.macro_f1;
                best_epoch = epoch;
                true
            } else {
                false
            }
        })?;
        let d = eval(&head, &dev)?;
        eprintln!("{name}: kept epoch {best_epoch} (best val macro-F1 {best:.4}); dev {}", fmt(&d));
        notes[name] = serde_json::json!({
            "epoch": best_epoch, "dev_fnc_relative": d.fnc_relative(), "dev_macro_f1": d.macro_f1,
            "dev_f1": {"agree": d.f1[0], "disagree": d.f1[1], "discuss": d.f1[2], "unrelated": d.f1[3]},
        });
        if let Some(dir) = &a.write_dev {
            std::fs::create_dir_all(dir)?;
            let pred: Vec<Stance> = head.predict(&dev.rows)?.iter().map(|p| argmax(p)).collect();
            let mut g = String::new();
            let mut p = String::new();
            for ((id, gs), ps) in dev.ids.iter().zip(&dev.gold).zip(&pred) {
                g.push_str(&format!("{}\n", serde_json::json!({"id": id, "stance": gs.as_str()})));
                p.push_str(&format!("{}\n", serde_json::json!({"id": id, "stance": ps.as_str()})));
            }
            std::fs::write(dir.join("dev-gold.jsonl"), g)?;
            std::fs::write(dir.join(format!("dev-pred-{name}.jsonl")), p)?;
        }
        heads.push((name, head));
    }

    std::fs::create_dir_all(&a.out)?;
    let meta = Meta { lexical_features: LEXICAL_NAMES.iter().map(|s| s.to_string()).collect(), idf, notes };
    std::fs::write(a.out.join("meta.json"), serde_json::to_vec(&meta)?)?;
    for (name, head) in &heads {
        std::fs::write(a.out.join(format!("{name}.safetensors")), head.to_bytes()?)?;
    }
    if a.lexical_only {
        std::fs::write(a.out.join("full.safetensors"), b"")?;
    }
    eprintln!("wrote {}", a.out.display());
    Ok(())
}

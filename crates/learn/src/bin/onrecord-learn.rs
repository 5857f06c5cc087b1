//! `onrecord-learn train attribution ...` and `onrecord-learn extract ...` (the learned tier's
//! training and evaluation commands).

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use onrecord_core::interchange::{to_json, OutputOptions};
use onrecord_learn::train::{self, Config};
use onrecord_learn::{Combine, LearnedAttributionLayer, Tagger, HEAD_FILE};

#[derive(Parser)]
#[command(name = "onrecord-learn", about = "Train and run the learned attribution tagger")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Train a head.
    Train {
        #[command(subcommand)]
        what: What,
    },
    /// Run the rule pipeline plus the learned tier over JSON Lines and print interchange JSON.
    Extract {
        inputs: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "replace")]
        combine: How,
        /// Directory holding the trained head.
        #[arg(long)]
        head: Option<PathBuf>,
    },
    /// Like extract, but from the feature cache `train attribution` wrote for the same gold file
    /// (seconds instead of minutes; for trying combination rules).
    EvalCached {
        gold: PathBuf,
        #[arg(long)]
        cache: PathBuf,
        #[arg(long, value_enum, default_value = "replace")]
        combine: How,
        #[arg(long)]
        head: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum How {
    Add,
    Replace,
}

#[derive(Subcommand)]
enum What {
    /// The attribution tagger (source, cue, content) on PolNeAR.
    Attribution {
        #[arg(long)]
        train: PathBuf,
        #[arg(long)]
        dev: PathBuf,
        #[arg(long, default_value = "crates/learn/model")]
        out: PathBuf,
        /// Use about this many training documents, spread over the file.
        #[arg(long)]
        max_train_docs: Option<usize>,
        #[arg(long, default_value_t = 8)]
        epochs: usize,
        #[arg(long, default_value_t = 2e-3)]
        lr: f64,
        #[arg(long, default_value_t = 13)]
        seed: u64,
        /// Where cached MiniLM features go (never committed).
        #[arg(long)]
        cache: Option<PathBuf>,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().cmd {
        Cmd::Train { what: What::Attribution { train: tr, dev, out, max_train_docs, epochs, lr, seed, cache } } => {
            let encoder = onrecord_embed::Encoder::load_default().context("loading MiniLM")?;
            let tagger = Tagger { encoder, head: onrecord_learn::model::Head::init(seed)?, lex: onrecord_quotes::Lexicon::builtin() };
            let cache = cache.unwrap_or_else(train::default_cache_dir);
            let t0 = Instant::now();
            let train_docs = train::subsample(train::read_gold(&tr)?, max_train_docs);
            let n_train = train_docs.len();
            let tag = max_train_docs.map_or("all".to_string(), |m| m.to_string());
            let train_ex = train::examples(&tagger, train_docs, &cache.join(format!("train-{tag}.bin")))?;
            let dev_ex = train::examples(&tagger, train::read_gold(&dev)?, &cache.join("dev.bin"))?;
            let feat_s = t0.elapsed().as_secs_f64();
            let cfg = Config { epochs, lr, seed, ..Config::default() };
            let t1 = Instant::now();
            let (head, log) = train::train(&train_ex, &dev_ex, &cfg)?;
            let train_s = t1.elapsed().as_secs_f64();
            std::fs::create_dir_all(&out)?;
            head.save(&out.join(HEAD_FILE))?;
            let mut f = std::fs::File::create(out.join("train-log.txt"))?;
            writeln!(f, "onrecord-learn train attribution --train {} --dev {} --max-train-docs {tag} --epochs {epochs} --lr {lr} --seed {seed}", tr.display(), dev.display())?;
            writeln!(f, "{n_train} train documents ({} tokens), {} dev documents", train_ex.iter().map(|e| e.len()).sum::<usize>(), dev_ex.len())?;
            writeln!(f, "features (or cache read): {feat_s:.0} s; training: {train_s:.0} s")?;
            for l in log {
                writeln!(f, "{l}")?;
            }
            eprintln!("wrote {}", out.join(HEAD_FILE).display());
        }
        Cmd::EvalCached { gold, cache, combine, head } => {
            let head = head.unwrap_or_else(onrecord_learn::default_head_dir);
            let head = onrecord_learn::model::Head::load(&head.join(HEAD_FILE))?;
            let how = match combine {
                How::Add => Combine::AddToRules,
                How::Replace => Combine::Replace,
            };
            let docs = train::read_gold(&gold)?;
            let ex = train::read_cache(&cache)?;
            anyhow::ensure!(ex.len() == docs.len(), "cache {} does not match {}", cache.display(), gold.display());
            let lex = onrecord_quotes::Lexicon::builtin();
            let pipeline = onrecord_learn::rule_pipeline();
            let out = std::io::stdout();
            let mut out = std::io::BufWriter::new(out.lock());
            for ((mut doc, _), e) in docs.into_iter().zip(&ex) {
                pipeline.run(&mut doc).map_err(|e| anyhow::anyhow!("{}: {e}", doc.id))?;
                let labels = train::predict(&head, e)?;
                let learned = onrecord_learn::attributions(&doc, &labels, &lex);
                doc.attributions = onrecord_learn::combine(&doc, learned, how);
                writeln!(out, "{}", to_json(&doc, OutputOptions::default()))?;
            }
        }
        Cmd::Extract { inputs, combine, head } => {
            let model = onrecord_embed::default_model_dir();
            let head = head.unwrap_or_else(onrecord_learn::default_head_dir);
            let tagger = Tagger::load(&model, &head).context("loading the learned tier")?;
            let how = match combine {
                How::Add => Combine::AddToRules,
                How::Replace => Combine::Replace,
            };
            let mut pipeline = onrecord_learn::rule_pipeline();
            pipeline.push(Box::new(LearnedAttributionLayer::new(tagger, how)));
            let out = std::io::stdout();
            let mut out = std::io::BufWriter::new(out.lock());
            let t0 = Instant::now();
            let mut n = 0usize;
            for d in onrecord_ingest::read_all(&inputs) {
                let mut doc = d.map_err(|e| anyhow::anyhow!("{e}"))?;
                pipeline.run(&mut doc).map_err(|e| anyhow::anyhow!("{}: {e}", doc.id))?;
                writeln!(out, "{}", to_json(&doc, OutputOptions::default()))?;
                n += 1;
            }
            let s = t0.elapsed().as_secs_f64();
            eprintln!("{n} documents in {s:.1} s ({:.2} articles/s)", n as f64 / s.max(1e-9));
        }
    }
    Ok(())
}

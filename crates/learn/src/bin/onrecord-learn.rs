//! `onrecord-learn train attribution ...` and `onrecord-learn extract ...` (the learned tier's
//! training and evaluation commands).

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use onrecord_core::interchange::{to_json, OutputOptions};
use onrecord_learn::train;
use onrecord_learn::command::TrainWhat;
use onrecord_learn::{Combine, Kind, Tagger};

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
        what: TrainWhat,
    },
    /// Export documents as the GPU fine-tuning script reads them (wordpieces, token ranges,
    /// rule features, gold labels).
    Export(onrecord_learn::command::ExportArgs),
    /// Run the rule pipeline plus the learned tier over JSON Lines and print interchange JSON.
    Extract {
        inputs: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "replace")]
        combine: How,
        /// Directory holding the trained head.
        #[arg(long)]
        head: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "contextual")]
        features: Kind,
        /// Tagger labels per document: read from this file when it exists, else computed and
        /// written to it (for trying combination rules in seconds with a slow encoder).
        #[arg(long)]
        labels_cache: Option<PathBuf>,
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
        #[arg(long, value_enum, default_value = "contextual")]
        features: Kind,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum How {
    Add,
    Replace,
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().cmd {
        Cmd::Train { what } => onrecord_learn::command::train(what)?,
        Cmd::Export(args) => onrecord_learn::command::export(args)?,
        Cmd::EvalCached { gold, cache, combine, head, features } => {
            let head = head.unwrap_or_else(onrecord_learn::default_head_dir);
            let head = onrecord_learn::model::Head::load(&head.join(features.head_file()))?;
            let head = onrecord_learn::infer::FastHead::new(&head)?;
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
                onrecord_learn::apply_labels(&mut doc, &labels, &lex, how);
                writeln!(out, "{}", to_json(&doc, OutputOptions::default()))?;
            }
        }
        Cmd::Extract { inputs, combine, head, features, labels_cache } => {
            let model = onrecord_embed::default_model_dir();
            let head = head.unwrap_or_else(onrecord_learn::default_head_dir);
            let how = match combine {
                How::Add => Combine::AddToRules,
                How::Replace => Combine::Replace,
            };
            let cached: Option<HashMap<String, Vec<usize>>> = match &labels_cache {
                Some(p) if p.is_file() => Some(serde_json::from_str(&std::fs::read_to_string(p)?)?),
                _ => None,
            };
            let tagger = match cached {
                Some(_) => None,
                None => Some(Tagger::load(&model, &head, features).context("loading the learned tier")?),
            };
            let mut computed: HashMap<String, Vec<usize>> = HashMap::new();
            let lex = onrecord_quotes::Lexicon::builtin();
            let pipeline = onrecord_learn::rule_pipeline();
            let out = std::io::stdout();
            let mut out = std::io::BufWriter::new(out.lock());
            let t0 = Instant::now();
            let mut n = 0usize;
            for d in onrecord_ingest::read_all(&inputs) {
                let mut doc = d.map_err(|e| anyhow::anyhow!("{e}"))?;
                pipeline.run(&mut doc).map_err(|e| anyhow::anyhow!("{}: {e}", doc.id))?;
                // The same steps as `LearnedAttributionLayer` (a tagger failure keeps the rules'
                // attributions), keeping the labels.
                let labels = match (&tagger, &cached) {
                    (Some(t), _) => match t.tag(&doc) {
                        Ok(l) => Some(l),
                        Err(e) => {
                            eprintln!("warning: {}: learned tagger failed, keeping rule attributions: {e}", doc.id);
                            None
                        }
                    },
                    (None, Some(c)) => Some(c.get(&doc.id).cloned().unwrap_or_default()),
                    (None, None) => None,
                };
                if let Some(labels) = labels {
                    onrecord_learn::apply_labels(&mut doc, &labels, &lex, how);
                    computed.insert(doc.id.clone(), labels);
                }
                writeln!(out, "{}", to_json(&doc, OutputOptions::default()))?;
                n += 1;
            }
            if let (Some(p), Some(_)) = (&labels_cache, &tagger) {
                std::fs::write(p, serde_json::to_string(&computed)?)?;
            }
            let s = t0.elapsed().as_secs_f64();
            eprintln!("{n} documents in {s:.1} s ({:.2} articles/s)", n as f64 / s.max(1e-9));
        }
    }
    Ok(())
}

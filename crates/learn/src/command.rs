//! `train attribution ...`: the training command, shared by `onrecord train` and `onrecord-learn
//! train` so both take the same arguments and write the same log.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use crate::train::{self, io, Config};
use crate::{Kind, LearnError, Tagger};

/// What to train.
#[derive(Debug, clap::Subcommand)]
pub enum TrainWhat {
    /// The attribution tagger (source, cue, content) on PolNeAR-style gold (interchange JSON Lines).
    Attribution(AttributionArgs),
    /// The entity tagger (PER, ORG, LOC, MISC) on CoNLL-style data over static MiniLM vectors.
    Entities(EntityArgs),
}

#[derive(Debug, clap::Args)]
pub struct EntityArgs {
    /// Training data prefix: PREFIX.input.jsonl and PREFIX.gold.jsonl (e.g.
    /// ../shared/data/conll2003/train).
    #[arg(long)]
    pub train: String,
    /// Dev data prefix, scored after every epoch; the best epoch is kept.
    #[arg(long)]
    pub dev: String,
    #[command(flatten)]
    pub head: HeadArgs,
    /// Context layers of the head (receptive field +-(2^layers - 1) tokens).
    #[arg(long, default_value_t = 4)]
    pub layers: usize,
}

/// What every head's training takes.
#[derive(Debug, clap::Args)]
pub struct HeadArgs {
    /// Directory the head and its training log are written to.
    #[arg(long, default_value = "crates/learn/model")]
    pub out: PathBuf,
    #[arg(long, default_value_t = 8)]
    pub epochs: usize,
    #[arg(long, default_value_t = 2e-3)]
    pub lr: f64,
    #[arg(long, default_value_t = 13)]
    pub seed: u64,
    /// Dropout rate while training (on the head's input features and layer outputs).
    #[arg(long, default_value_t = 0.0)]
    pub dropout: f32,
}

#[derive(Debug, clap::Args)]
pub struct AttributionArgs {
    /// Training gold (e.g. ../shared/data/polnear/train.gold.jsonl).
    #[arg(long)]
    pub train: PathBuf,
    /// Dev gold, scored after every epoch; the best epoch is kept.
    #[arg(long)]
    pub dev: PathBuf,
    #[command(flatten)]
    pub head: HeadArgs,
    /// Use about this many training documents, spread over the file.
    #[arg(long)]
    pub max_train_docs: Option<usize>,
    /// Where cached features go (never committed; default target/learn-cache).
    #[arg(long)]
    pub cache: Option<PathBuf>,
    /// Token vectors: MiniLM's last layer (contextual) or its input layer (static, fast).
    #[arg(long, value_enum, default_value = "contextual")]
    pub features: Kind,
    /// Context layers of the head (default: 3 for contextual, 6 for static).
    #[arg(long)]
    pub layers: Option<usize>,
}

/// Runs a training command: features (cached), epochs with a dev score each, the best head and
/// a log (the command line, sizes, times, one line per epoch) written to `out`.
pub fn train(what: TrainWhat) -> Result<(), LearnError> {
    let a = match what {
        TrainWhat::Attribution(a) => a,
        TrainWhat::Entities(e) => return train_entities(e),
    };
    let kind = a.features;
    if kind == Kind::Tuned {
        return Err(LearnError::Data(
            "the tuned head fine-tunes the encoder, which needs a GPU: export the data with `onrecord-learn export` and run crates/learn/tune/tune_attribution.py (see crates/learn/tune/README.md)".into(),
        ));
    }
    let encoding = crate::Encoding::load(kind, &onrecord_embed::default_model_dir(), &a.head.out.join(kind.head_file()), crate::Compute::Cpu)?;
    let layers = a.layers.unwrap_or(kind.context_layers());
    let tagger = Tagger::new(encoding, crate::model::Head::init(a.head.seed, layers)?)?;
    let cache = a.cache.clone().unwrap_or_else(train::default_cache_dir);
    let t0 = Instant::now();
    let train_docs = train::subsample(train::read_gold(&a.train)?, a.max_train_docs);
    let n_train = train_docs.len();
    let tag = a.max_train_docs.map_or("all".to_string(), |m| m.to_string());
    // Contextual caches keep their old names so existing caches stay usable.
    let prefix = match kind {
        Kind::Contextual | Kind::Tuned => "",
        Kind::Static => "static-",
    };
    let train_ex = train::examples(&tagger, train_docs, &cache.join(format!("{prefix}train-{tag}.bin")))?;
    let dev_ex = train::examples(&tagger, train::read_gold(&a.dev)?, &cache.join(format!("{prefix}dev.bin")))?;
    let feat_s = t0.elapsed().as_secs_f64();
    let cfg = Config { epochs: a.head.epochs, lr: a.head.lr, seed: a.head.seed, layers, dropout: a.head.dropout, ..Config::default() };
    let t1 = Instant::now();
    let (head, log) = train::train(&train_ex, &dev_ex, &cfg)?;
    let train_s = t1.elapsed().as_secs_f64();
    std::fs::create_dir_all(&a.head.out).map_err(io(&a.head.out))?;
    head.save(&a.head.out.join(kind.head_file()))?;
    let log_path = a.head.out.join(kind.log_file());
    let mut text = format!(
        "onrecord train attribution --features {} --layers {layers} --train {} --dev {} --max-train-docs {tag} --epochs {} --lr {} --seed {} --dropout {}\n",
        kind.name(),
        a.train.display(),
        a.dev.display(),
        a.head.epochs,
        a.head.lr,
        a.head.seed,
        a.head.dropout
    );
    text += &format!(
        "{n_train} train documents ({} tokens), {} dev documents\nfeatures (or cache read): {feat_s:.0} s; training: {train_s:.0} s\n",
        train_ex.iter().map(|e| e.len()).sum::<usize>(),
        dev_ex.len()
    );
    for l in log {
        text += &l;
        text.push('\n');
    }
    std::fs::File::create(&log_path).and_then(|mut f| f.write_all(text.as_bytes())).map_err(io(&log_path))?;
    eprintln!("wrote {} and {}", a.head.out.join(kind.head_file()).display(), log_path.display());
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Gold interchange JSON Lines: documents with their attributions as BIO labels.
    #[arg(long)]
    pub gold: Vec<PathBuf>,
    /// Unlabelled documents (any input `onrecord` reads), exported without labels.
    #[arg(long)]
    pub input: Vec<PathBuf>,
    /// Output JSON Lines file.
    #[arg(long)]
    pub out: PathBuf,
}

/// What `export` writes first: the constants a trainer outside Rust must share with this crate.
pub const EXPORT_FORMAT: &str = "onrecord-tune-1";

/// Writes, per document, everything a trainer outside Rust (the GPU fine-tuning script) needs
/// to reproduce the tagger's input exactly: the MiniLM wordpiece ids of the text, each
/// text-layer token's wordpiece range, its extra rule features as a bit mask, and (gold files)
/// its BIO label. A header line first carries the windowing and label constants.
pub fn export(a: ExportArgs) -> Result<(), LearnError> {
    let pieces = onrecord_embed::Wordpieces::load(onrecord_embed::default_model_dir())?;
    let lex = onrecord_quotes::Lexicon::builtin();
    let pipeline = crate::rule_pipeline();
    let f = std::fs::File::create(&a.out).map_err(io(&a.out))?;
    let mut w = std::io::BufWriter::new(f);
    let header = serde_json::json!({
        "format": EXPORT_FORMAT,
        "window": onrecord_embed::WINDOW,
        "overlap": onrecord_embed::OVERLAP,
        "cls": pieces.cls,
        "sep": pieces.sep,
        "extra": crate::features::EXTRA,
        "labels": crate::LABEL_NAMES,
    });
    writeln!(w, "{header}").map_err(io(&a.out))?;
    let mut docs: Vec<(onrecord_core::Document, Option<serde_json::Value>)> = Vec::new();
    for g in &a.gold {
        docs.extend(train::read_gold(g)?.into_iter().map(|(d, v)| (d, Some(v))));
    }
    for d in onrecord_ingest::read_all(&a.input) {
        docs.push((d.map_err(|e| LearnError::Data(e.to_string()))?, None));
    }
    let n = docs.len();
    for (mut doc, gold) in docs {
        pipeline.run(&mut doc).map_err(|e| LearnError::Data(format!("{}: {e}", doc.id)))?;
        let (ids, offsets) = pieces.split(&doc.text)?;
        let ranges: Vec<usize> = crate::features::piece_ranges(&offsets, &doc).into_iter().flat_map(|(p, q)| [p, q]).collect();
        let extras = crate::features::extras(&doc, &lex);
        let bits: Vec<u32> = extras
            .chunks_exact(crate::features::EXTRA)
            .map(|row| row.iter().enumerate().filter(|(_, &v)| v != 0.0).map(|(k, _)| 1u32 << k).sum())
            .collect();
        let labels = gold.map(|g| crate::gold::labels(&doc, &g));
        let line = serde_json::json!({"id": doc.id, "ids": ids, "ranges": ranges, "extras": bits, "labels": labels});
        writeln!(w, "{line}").map_err(io(&a.out))?;
    }
    w.flush().map_err(io(&a.out))?;
    eprintln!("wrote {n} documents to {}", a.out.display());
    Ok(())
}

/// `train entities`: features (the rules' names from perceptrons trained on the other folds),
/// epochs with a dev score each, the best head, then the dev score through the combination
/// with the rules' names, beside the rules alone; all in the log.
pub fn train_entities(a: EntityArgs) -> Result<(), LearnError> {
    use crate::entities;
    use onrecord_entities::recognize::train as ner;
    let model_dir = onrecord_embed::default_model_dir();
    let encoding = crate::Encoding::Static(onrecord_embed::StaticEmbeddings::load(&model_dir)?);
    let t0 = Instant::now();
    let train_data = ner::load(&a.train).map_err(LearnError::Data)?;
    let dev_data = ner::load(&a.dev).map_err(LearnError::Data)?;
    let train_ex = entities::examples(&encoding, &train_data, Some((entities::FOLDS, a.head.seed)))?;
    let dev_ex = entities::examples(&encoding, &dev_data, None)?;
    let feat_s = t0.elapsed().as_secs_f64();
    let cfg = Config {
        epochs: a.head.epochs,
        lr: a.head.lr,
        seed: a.head.seed,
        layers: a.layers,
        dropout: a.head.dropout,
        width: entities::WIDTH,
        classes: entities::CLASSES.to_vec(),
        ..Config::default()
    };
    let t1 = Instant::now();
    let (head, log) = train::train(&train_ex, &dev_ex, &cfg)?;
    let train_s = t1.elapsed().as_secs_f64();
    std::fs::create_dir_all(&a.head.out).map_err(io(&a.head.out))?;
    let head_path = a.head.out.join(entities::HEAD_FILE);
    head.save(&head_path)?;
    let tagger = entities::EntityTagger::load(&model_dir, &a.head.out)?;
    let (learned, rules) = entities::score(&tagger, &dev_data)?;
    let mut text = format!(
        "onrecord train entities --train {} --dev {} --epochs {} --lr {} --seed {} --layers {} --dropout {}\n",
        a.train, a.dev, a.head.epochs, a.head.lr, a.head.seed, a.layers, a.head.dropout
    );
    text += &format!(
        "{} train documents ({} tokens; the rules' names from {}-fold perceptrons), {} dev documents\nfeatures: {feat_s:.0} s; training: {train_s:.0} s\n",
        train_ex.len(),
        train_ex.iter().map(|e| e.len()).sum::<usize>(),
        entities::FOLDS,
        dev_ex.len()
    );
    for l in log {
        text += &l;
        text.push('\n');
    }
    text += &format!("dev names, exact span and class: learned (best epoch, with the rules' mentions) {}\n", learned.report());
    text += &format!("dev names, exact span and class: rules alone {}\n", rules.report());
    eprint!("{text}");
    let log_path = a.head.out.join(entities::LOG_FILE);
    std::fs::File::create(&log_path).and_then(|mut f| f.write_all(text.as_bytes())).map_err(io(&log_path))?;
    eprintln!("wrote {} and {}", head_path.display(), log_path.display());
    Ok(())
}

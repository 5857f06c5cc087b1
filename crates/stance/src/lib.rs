//! Stance of a text toward a claim: agree | disagree | discuss | unrelated (the FNC-1 labels;
//! for the ledger: asserts -> agree, denies -> disagree, reports or questions -> discuss).
//!
//! Features (see `features`): lexical relatedness (tf-idf cosines, shared words and bigrams),
//! denial / hedge / confirmation cue counts from the tables in `data/`, negation near claim
//! words, and, when the MiniLM model is fetched, sentence-embedding similarity of the claim to
//! the best-matching text sentences with [u, v, |u-v|, u*v]. Two small MLP heads are committed
//! in `model/`: `full` (with embeddings) and `lexical` (fallback when the model is absent).
//! Training: `cargo run --release -p onrecord-stance --bin train-stance -- --help`.

pub mod cache;
pub mod eval;
pub mod features;
pub mod head;
pub mod text;

use std::collections::HashMap;
use std::sync::Mutex;

use onrecord_embed::Encoder;

pub use cache::EmbedCache;
use features::Prepared;
pub use head::Head;
use text::{Idf, Lexicon};

#[derive(Debug, thiserror::Error)]
pub enum StanceError {
    #[error("stance model: {0}")]
    Model(String),
    #[error("tensor: {0}")]
    Candle(#[from] candle_core::Error),
    #[error(transparent)]
    Embed(#[from] onrecord_embed::EmbedError),
    #[error("{path}: {source}")]
    Io { path: std::path::PathBuf, source: std::io::Error },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stance {
    Agree,
    Disagree,
    Discuss,
    Unrelated,
}

impl Stance {
    pub const ALL: [Stance; 4] = [Stance::Agree, Stance::Disagree, Stance::Discuss, Stance::Unrelated];

    pub fn as_str(self) -> &'static str {
        match self {
            Stance::Agree => "agree",
            Stance::Disagree => "disagree",
            Stance::Discuss => "discuss",
            Stance::Unrelated => "unrelated",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// Parses FNC-1 labels and the Emergent aliases (for / against / observing).
    pub fn parse(s: &str) -> Option<Stance> {
        match s.trim().to_ascii_lowercase().as_str() {
            "agree" | "for" => Some(Stance::Agree),
            "disagree" | "against" => Some(Stance::Disagree),
            "discuss" | "observing" => Some(Stance::Discuss),
            "unrelated" => Some(Stance::Unrelated),
            _ => None,
        }
    }
}

/// The non-weight parts of a trained model.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Meta {
    pub lexical_features: Vec<String>,
    pub idf: Idf,
    /// What the training run recorded (split, seed, dev figures), for humans.
    #[serde(default)]
    pub notes: serde_json::Value,
}

/// A trained model: metadata and the two heads.
pub struct Model {
    pub meta: Meta,
    pub lexical: Head,
    pub full: Option<Head>,
}

const BUILTIN_META: &[u8] = include_bytes!("../model/meta.json");
const BUILTIN_LEXICAL: &[u8] = include_bytes!("../model/lexical.safetensors");
const BUILTIN_FULL: &[u8] = include_bytes!("../model/full.safetensors");

impl Model {
    /// The model committed in `crates/stance/model/`.
    pub fn builtin() -> Result<Model, StanceError> {
        Model::from_bytes(BUILTIN_META, BUILTIN_LEXICAL, Some(BUILTIN_FULL))
    }

    pub fn from_bytes(meta: &[u8], lexical: &[u8], full: Option<&[u8]>) -> Result<Model, StanceError> {
        if meta.is_empty() || lexical.is_empty() {
            return Err(StanceError::Model("no trained model: run the train-stance binary".into()));
        }
        let meta: Meta = serde_json::from_slice(meta).map_err(|e| StanceError::Model(format!("meta.json: {e}")))?;
        if meta.lexical_features != features::LEXICAL_NAMES {
            return Err(StanceError::Model("meta.json lists other lexical features than this build computes: retrain".into()));
        }
        let lexical = Head::from_bytes(lexical)?;
        let full = match full {
            Some(b) if !b.is_empty() => Some(Head::from_bytes(b)?),
            _ => None,
        };
        Ok(Model { meta, lexical, full })
    }
}

/// Computes feature rows for pairs: the shared code path of training and inference.
pub struct Featurizer<'a> {
    pub lex: &'a Lexicon,
    pub idf: &'a Idf,
    /// With an encoder, rows carry the MiniLM block (the `full` head's input).
    pub encoder: Option<&'a Encoder>,
    pub cache: Option<&'a Mutex<EmbedCache>>,
}

impl Featurizer<'_> {
    pub fn rows(&self, pairs: &[(&str, &str)]) -> Result<Vec<Vec<f32>>, StanceError> {
        let mut prepared: HashMap<&str, Prepared> = HashMap::new();
        for &(_, text) in pairs {
            prepared.entry(text).or_insert_with(|| Prepared::new(text, self.lex, self.idf));
        }
        let embeds = match self.encoder {
            Some(enc) => {
                let mut want: Vec<&str> = pairs.iter().map(|p| p.0).collect();
                for p in prepared.values() {
                    want.extend(p.sentences.iter().map(|s| s.as_str()));
                }
                let local = Mutex::new(EmbedCache::in_memory());
                let cache = self.cache.unwrap_or(&local);
                let mut c = cache.lock().map_err(|_| StanceError::Model("embedding cache poisoned".into()))?;
                c.ensure(enc, &want)?;
                Some(c.snapshot(&want))
            }
            None => None,
        };
        let mut rows = Vec::with_capacity(pairs.len());
        for &(claim, text) in pairs {
            let prep = prepared
                .get(text)
                .ok_or_else(|| StanceError::Model("internal: text not prepared".into()))?;
            match &embeds {
                Some(e) => {
                    let u = e.get(claim).ok_or_else(|| StanceError::Model("internal: claim not embedded".into()))?;
                    let sents: Vec<&[f32]> =
                        prep.sentences.iter().filter_map(|s| e.get(s.as_str()).map(|v| v.as_slice())).collect();
                    let sims: Vec<f32> = sents.iter().map(|s| onrecord_embed::cosine(u, s)).collect();
                    let mut row = features::lexical(claim, prep, self.lex, self.idf, Some(&sims));
                    row.extend(features::embedding(u, &sents));
                    rows.push(row);
                }
                None => rows.push(features::lexical(claim, prep, self.lex, self.idf, None)),
            }
        }
        Ok(rows)
    }
}

/// Classifies (claim, text) pairs with the committed model.
pub struct Classifier {
    lex: Lexicon,
    model: Model,
    encoder: Option<Encoder>,
    cache: Mutex<EmbedCache>,
}

impl Classifier {
    /// The lexical-only classifier (no MiniLM).
    pub fn lexical(model: Model) -> Classifier {
        Classifier { lex: Lexicon::builtin(), model, encoder: None, cache: Mutex::new(EmbedCache::in_memory()) }
    }

    /// Uses the MiniLM features when `encoder` is given and the model has a full head.
    pub fn new(model: Model, encoder: Option<Encoder>) -> Classifier {
        let encoder = if model.full.is_some() { encoder } else { None };
        Classifier { encoder, ..Classifier::lexical(model) }
    }

    /// The committed model, with MiniLM from the default model directory when it is there;
    /// otherwise the lexical-only head, with a message on stderr saying so.
    pub fn load_default() -> Result<Classifier, StanceError> {
        let model = Model::builtin()?;
        match Encoder::load_default() {
            Ok(enc) => Ok(Classifier::new(model, Some(enc))),
            Err(e) => {
                eprintln!("onrecord-stance: {e}; falling back to the lexical-only stance classifier (lower accuracy)");
                Ok(Classifier::lexical(model))
            }
        }
    }

    /// Keeps sentence embeddings in (and appends new ones to) a file, for repeated runs.
    pub fn with_cache(mut self, cache: EmbedCache) -> Classifier {
        self.cache = Mutex::new(cache);
        self
    }

    pub fn uses_embeddings(&self) -> bool {
        self.encoder.is_some()
    }

    /// Class probabilities (in [`Stance::ALL`] order) for each pair.
    pub fn probabilities(&self, pairs: &[(&str, &str)]) -> Result<Vec<Vec<f32>>, StanceError> {
        let f = Featurizer { lex: &self.lex, idf: &self.model.meta.idf, encoder: self.encoder.as_ref(), cache: Some(&self.cache) };
        let rows = f.rows(pairs)?;
        match (&self.encoder, &self.model.full) {
            (Some(_), Some(full)) => full.predict(&rows),
            _ => self.model.lexical.predict(&rows),
        }
    }

    pub fn classify(&self, pairs: &[(&str, &str)]) -> Result<Vec<Stance>, StanceError> {
        Ok(self.probabilities(pairs)?.iter().map(|p| argmax(p)).collect())
    }
}

pub fn argmax(p: &[f32]) -> Stance {
    let mut best = 0;
    for (i, x) in p.iter().enumerate() {
        if *x > p[best] {
            best = i;
        }
    }
    Stance::ALL.get(best).copied().unwrap_or(Stance::Unrelated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip() {
        for s in Stance::ALL {
            assert_eq!(Stance::parse(s.as_str()), Some(s));
            assert_eq!(Stance::ALL[s.index()], s);
        }
        assert_eq!(Stance::parse("against"), Some(Stance::Disagree));
        assert_eq!(Stance::parse("maybe"), None);
    }

    #[test]
    fn builtin_lexical_model_classifies_without_panicking() {
        let model = match Model::builtin() {
            Ok(m) => m,
            Err(e) => panic!("committed model does not load: {e}"),
        };
        let c = Classifier::lexical(model);
        let out = c
            .classify(&[
                ("Man bitten by shark", "A man was bitten by a shark on Sunday, officials said."),
                ("Man bitten by shark", ""),
                ("", "Stocks fell."),
            ])
            .unwrap();
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].as_str().is_empty(), false);
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        let c = Classifier::lexical(Model::builtin().unwrap());
        let long = "Ünïcödé… “quoted” ‘text’ — 🙂. ".repeat(2000);
        let odd = ["", "?!?!", "...", "\n\n\n", "🙂🙂🙂", long.as_str(), "n't 'tis ' ' a. B. c?"];
        let pairs: Vec<(&str, &str)> = odd.iter().flat_map(|a| odd.iter().map(move |b| (*a, *b))).collect();
        assert_eq!(c.classify(&pairs).unwrap().len(), pairs.len());
        assert!(c.classify(&[]).unwrap().is_empty());
    }
}

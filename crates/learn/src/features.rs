//! Per-token features: the frozen MiniLM state of each text-layer token plus cheap flags from
//! the rule pipeline (quote regions, cue words, entity mentions, the rules' own attributions).

use onrecord_core::{Document, MentionKind, Span, TokenKind};
use onrecord_embed::{Compute, Encoder, StaticEmbeddings, TokenStates, DIM};
use onrecord_quotes::Lexicon;

use crate::LearnError;

/// Number of extra (non-MiniLM) features per token.
pub const EXTRA: usize = 12;
/// Width of one token's feature row.
pub const WIDTH: usize = DIM + EXTRA;

/// Which MiniLM vectors the tokens get (also the `--features` / `--learned=` value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// The last layer: context-aware, the whole transformer over every wordpiece (~1 article/s
    /// on 2 cores).
    Contextual,
    /// The input layer: one table lookup per wordpiece; the head supplies the context.
    Static,
    /// The last layer of MiniLM fine-tuned for attribution (low-rank adapters trained with the
    /// head on a GPU by `crates/learn/tune/tune_attribution.py`, stored in the head's file).
    /// Costs as much as `contextual`.
    Tuned,
}

impl Kind {
    /// File name of this kind's head inside the model directory.
    pub fn head_file(self) -> &'static str {
        match self {
            Kind::Contextual => "attribution-head.safetensors",
            Kind::Static => "attribution-head-static.safetensors",
            Kind::Tuned => "attribution-head-tuned.safetensors",
        }
    }

    /// File name of this kind's training log inside the model directory.
    pub fn log_file(self) -> &'static str {
        match self {
            Kind::Contextual => "train-log.txt",
            Kind::Static => "train-log-static.txt",
            Kind::Tuned => "train-log-tuned.txt",
        }
    }

    /// Context layers a fresh head of this kind gets.
    pub fn context_layers(self) -> usize {
        match self {
            Kind::Contextual | Kind::Tuned => crate::model::CONTEXT_LAYERS,
            Kind::Static => crate::model::STATIC_CONTEXT_LAYERS,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Contextual => "contextual",
            Kind::Static => "static",
            Kind::Tuned => "tuned",
        }
    }
}

/// The loaded source of token vectors.
pub enum Encoding {
    Contextual(Encoder),
    Static(StaticEmbeddings),
    /// The encoder with the fine-tuned adapters merged into its weights.
    Tuned(Encoder),
}

impl Encoding {
    /// Loads `kind` from the base model directory (`head`: the head's file, which holds the
    /// encoder adapters of a tuned head); the transformer kinds run on `compute`.
    pub fn load(kind: Kind, model_dir: &std::path::Path, head: &std::path::Path, compute: Compute) -> Result<Encoding, LearnError> {
        Ok(match kind {
            Kind::Contextual => Encoding::Contextual(Encoder::load_on(model_dir, &Default::default(), compute)?),
            // A table lookup: there is nothing for a GPU to do.
            Kind::Static if compute != Compute::Cpu => {
                return Err(LearnError::Model(format!("the static kind runs no transformer, so it cannot run on {compute}: use --learned=tuned or --learned=contextual")))
            }
            Kind::Static => Encoding::Static(StaticEmbeddings::load(model_dir)?),
            Kind::Tuned => Encoding::Tuned(Encoder::load_on(model_dir, &adapters(head)?, compute)?),
        })
    }

    pub fn kind(&self) -> Kind {
        match self {
            Encoding::Contextual(_) => Kind::Contextual,
            Encoding::Static(_) => Kind::Static,
            Encoding::Tuned(_) => Kind::Tuned,
        }
    }

    fn states(&self, text: &str) -> Result<TokenStates, LearnError> {
        Ok(match self {
            Encoding::Contextual(e) | Encoding::Tuned(e) => e.token_states(text)?,
            Encoding::Static(e) => e.token_states(text)?,
        })
    }
}

/// The MiniLM part of the features: for each text-layer token, the mean vector of the
/// wordpieces that overlap it (zeros for a token no wordpiece covers).
pub fn token_states(enc: &Encoding, doc: &Document) -> Result<Vec<f32>, LearnError> {
    let st = enc.states(&doc.text)?;
    Ok(pool(&st, doc))
}

/// Encoder tensors stored beside the head: every name that starts with `encoder.`, without it.
fn adapters(head: &std::path::Path) -> Result<std::collections::HashMap<String, candle_core::Tensor>, LearnError> {
    let map = candle_core::safetensors::load(head, &candle_core::Device::Cpu)
        .map_err(|e| LearnError::Model(format!("{}: {e}", head.display())))?;
    let out: std::collections::HashMap<_, _> =
        map.into_iter().filter_map(|(k, v)| k.strip_prefix("encoder.").map(|k| (k.to_string(), v))).collect();
    if out.is_empty() {
        return Err(LearnError::Model(format!("{}: a tuned head needs encoder adapters (encoder.*)", head.display())));
    }
    Ok(out)
}

/// For each text-layer token, the wordpieces (`start..end` indices into `offsets`, byte ranges
/// in text order) that overlap it; empty where none does.
pub fn piece_ranges(offsets: &[(usize, usize)], doc: &Document) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(doc.tokens.len());
    let mut p = 0usize;
    for tok in &doc.tokens {
        // Pieces are in text order: skip those that end before this token.
        while offsets.get(p).is_some_and(|&(_, e)| e <= tok.span.start) {
            p += 1;
        }
        let mut q = p;
        while offsets.get(q).is_some_and(|&(s, _)| s < tok.span.end) {
            q += 1;
        }
        out.push((p, q));
    }
    out
}

/// Each token's vector: the mean of its wordpieces' rows.
fn pool(st: &TokenStates, doc: &Document) -> Vec<f32> {
    let mut out = vec![0f32; doc.tokens.len() * DIM];
    for (t, (p, q)) in piece_ranges(&st.offsets, doc).into_iter().enumerate() {
        let mut n = 0f32;
        let row = &mut out[t * DIM..(t + 1) * DIM];
        for v in (p..q).filter_map(|i| st.row(i)) {
            for (o, x) in row.iter_mut().zip(v) {
                *o += x;
            }
            n += 1.0;
        }
        if n > 1.0 {
            row.iter_mut().for_each(|o| *o /= n);
        }
    }
    out
}

/// The extra features, `EXTRA` per token. `doc` must have been through the rule pipeline.
pub fn extras(doc: &Document, lex: &Lexicon) -> Vec<f32> {
    let n = doc.tokens.len();
    let mut out = vec![0f32; n * EXTRA];
    let mut mark = |spans: &mut dyn Iterator<Item = Span>, k: usize| {
        for s in spans {
            for t in doc.tokens_in(s) {
                if let Some(v) = out.get_mut(t * EXTRA + k) {
                    *v = 1.0;
                }
            }
        }
    };
    mark(&mut doc.quote_regions.iter().map(|q| q.inner()), 0);
    mark(&mut doc.entities.iter().flat_map(|e| e.mentions.iter()).filter(|m| m.kind == MentionKind::Name).map(|m| m.span), 6);
    mark(&mut doc.entities.iter().flat_map(|e| e.mentions.iter()).filter(|m| m.kind != MentionKind::Name).map(|m| m.span), 7);
    mark(&mut doc.attributions.iter().flat_map(|a| a.content.iter().copied()), 9);
    mark(&mut doc.attributions.iter().filter_map(|a| a.source), 10);
    mark(&mut doc.attributions.iter().filter_map(|a| a.cue), 11);
    let first: std::collections::HashSet<usize> = doc.sentences.iter().map(|s| s.tokens.start).collect();
    for (t, tok) in doc.tokens.iter().enumerate() {
        let w = doc.slice(tok.span);
        let lower = w.to_lowercase();
        let row = &mut out[t * EXTRA..(t + 1) * EXTRA];
        row[1] = f32::from(u8::from(tok.kind == TokenKind::QuoteMark));
        row[2] = f32::from(u8::from(lex.cues.contains_key(&lower)));
        row[3] = f32::from(u8::from(w.chars().next().is_some_and(char::is_uppercase)));
        row[4] = f32::from(u8::from(tok.kind == TokenKind::Punct));
        row[5] = f32::from(u8::from(first.contains(&t)));
        row[8] = f32::from(u8::from(lex.source_words.contains_key(&lower)));
    }
    out
}

/// Full feature rows (`WIDTH` per token): MiniLM states then extras.
pub fn rows(states: &[f32], extras: &[f32], n: usize) -> Vec<f32> {
    rows_of(states, extras, EXTRA, n)
}

/// Feature rows of any head: each token's MiniLM vector, then its `extra` extra features (zeros
/// where either is missing).
pub fn rows_of(states: &[f32], extras: &[f32], extra: usize, n: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(n * (DIM + extra));
    for t in 0..n {
        out.extend_from_slice(states.get(t * DIM..(t + 1) * DIM).unwrap_or(&[0f32; DIM]));
        match extras.get(t * extra..(t + 1) * extra) {
            Some(x) => out.extend_from_slice(x),
            None => out.resize(out.len() + extra, 0.0),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use onrecord_core::text::TextLayer;
    use onrecord_core::Component;

    #[test]
    fn piece_ranges_follow_byte_overlap() {
        let mut doc = Document::new("t", "Peskov said: no.");
        TextLayer::new().process(&mut doc).unwrap();
        // Pieces as a wordpiece tokenizer would cut them: "pes", "##kov", "said", ":", "no", "."
        let offsets = [(0, 3), (3, 6), (7, 11), (11, 12), (13, 15), (15, 16)];
        let words: Vec<&str> = doc.tokens.iter().map(|t| doc.slice(t.span)).collect();
        assert_eq!(words, ["Peskov", "said", ":", "no", "."]);
        assert_eq!(piece_ranges(&offsets, &doc), vec![(0, 2), (2, 3), (3, 4), (4, 5), (5, 6)]);
        // A token no piece covers gets an empty range (and a zero vector).
        assert_eq!(piece_ranges(&offsets[..2], &doc)[1..], [(2, 2), (2, 2), (2, 2), (2, 2)]);
    }
}

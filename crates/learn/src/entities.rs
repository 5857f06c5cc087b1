//! The learned entity tagger: for each text-layer token, MiniLM's static (input-layer) vector,
//! the token's shape, and the rule tier's names (the averaged perceptron's) -> the same head as
//! the attribution tagger's ([`crate::model::Head`]) -> BIO over the CoNLL classes PER, ORG, LOC,
//! MISC -> constrained Viterbi. Its names replace the perceptron's; where both found the same
//! name the perceptron's cleaned span and finer type (GPE, NORP, EVENT) are kept, and entities
//! are built from the names as the rule layer builds them ([`onrecord_entities::build_entities`]).
//!
//! MiniLM's vocabulary is lower-cased, so the shape flags carry the case. The perceptron's names
//! are features: in training they come from perceptrons trained on the other folds of the
//! training set ([`FOLDS`]), so the head learns how far to trust names it has not memorised.

use std::path::Path;
use std::sync::Arc;

use onrecord_core::{Component, Document, EntityType, Error, Span, TokenKind};
use onrecord_embed::{StaticEmbeddings, DIM};
use onrecord_entities::recognize::train as ner;
use onrecord_entities::recognize::{NameMention, Recognizer};

use crate::features::{self, Encoding};
use crate::infer::FastHead;
use crate::model::Head;
use crate::train::Example;
use crate::LearnError;

/// The CoNLL classes, in label order (class `k`: B = `2k + 1`, I = `2k + 2`).
pub const CLASSES: [&str; 4] = ["PER", "ORG", "LOC", "MISC"];
/// Shape flags per token.
const SHAPE: usize = 6;
/// Extra (non-MiniLM) features per token: the shape, then B and I of each class from the rules.
pub const EXTRA: usize = SHAPE + 2 * CLASSES.len();
/// Width of one token's feature row.
pub const WIDTH: usize = DIM + EXTRA;
/// The head's file in the model directory.
pub const HEAD_FILE: &str = "entity-head-static.safetensors";
/// Its training log.
pub const LOG_FILE: &str = "train-log-entities.txt";
/// Folds of the training set for the perceptron's names (each fold tagged by a perceptron
/// trained on the others).
pub const FOLDS: usize = 5;

/// The per-token extra features of `doc` (text layer done) given the rules' names (byte span,
/// CoNLL class index).
pub fn extras(doc: &Document, names: &[(Span, usize)]) -> Vec<f32> {
    let n = doc.tokens.len();
    let mut out = vec![0f32; n * EXTRA];
    let starts: std::collections::HashSet<usize> = doc.sentences.iter().map(|s| s.tokens.start).collect();
    for (t, tok) in doc.tokens.iter().enumerate() {
        let w = doc.slice(tok.span);
        let row = &mut out[t * EXTRA..(t + 1) * EXTRA];
        let letters = w.chars().filter(|c| c.is_alphabetic()).count();
        row[0] = f32::from(u8::from(w.chars().next().is_some_and(char::is_uppercase)));
        row[1] = f32::from(u8::from(letters > 1 && w.chars().filter(|c| c.is_alphabetic()).all(char::is_uppercase)));
        row[2] = f32::from(u8::from(w.chars().any(|c| c.is_ascii_digit())));
        row[3] = f32::from(u8::from(letters > 0 && w.chars().filter(|c| c.is_alphabetic()).all(char::is_lowercase)));
        row[4] = f32::from(u8::from(tok.kind != TokenKind::Word));
        row[5] = f32::from(u8::from(starts.contains(&t)));
    }
    for &(span, class) in names {
        for (i, t) in doc.tokens_in(span).enumerate() {
            out[t * EXTRA + SHAPE + 2 * class + usize::from(i > 0)] = 1.0;
        }
    }
    out
}

/// The rules' names as (span, CoNLL class).
pub fn classed(mentions: &[NameMention]) -> Vec<(Span, usize)> {
    mentions.iter().map(|m| (m.span, ner::class_of(m.kind))).collect()
}

/// Feature rows (`WIDTH` per token).
pub fn rows(enc: &Encoding, doc: &Document, names: &[(Span, usize)]) -> Result<Vec<f32>, LearnError> {
    let states = features::token_states(enc, doc)?;
    Ok(features::rows_of(&states, &extras(doc, names), EXTRA, doc.tokens.len()))
}

/// Gold token labels from gold names.
pub fn labels(doc: &Document, gold: &[(Span, usize)]) -> Vec<u8> {
    let mut out = vec![0u8; doc.tokens.len()];
    for &(span, class) in gold {
        for (i, t) in doc.tokens_in(span).enumerate() {
            out[t] = (2 * class + 1 + usize::from(i > 0)) as u8;
        }
    }
    out
}

/// Names (byte span from the first to the last token, class) from BIO labels.
pub fn names_of(doc: &Document, labels: &[usize]) -> Vec<(Span, usize)> {
    let mut out: Vec<(Span, usize, usize)> = Vec::new(); // span, class, last token
    for (t, &l) in labels.iter().enumerate() {
        let Some(tok) = doc.tokens.get(t) else { break };
        if l == 0 {
            continue;
        }
        let class = (l - 1) / 2;
        match out.last_mut() {
            Some((s, c, last)) if l % 2 == 0 && *c == class && *last + 1 == t => {
                s.end = tok.span.end;
                *last = t;
            }
            _ => out.push((tok.span, class, t)),
        }
    }
    out.into_iter().map(|(s, c, _)| (s, c)).collect()
}

/// The type a new name of CoNLL class `class` gets.
fn type_of(class: usize) -> EntityType {
    match class {
        0 => EntityType::Person,
        1 => EntityType::Org,
        2 => EntityType::Gpe,
        _ => EntityType::Misc,
    }
}

/// The learned names as name mentions: the rules' mention where it lies inside a learned name
/// of the same class (its cleaned span and finer type), else the learned span without a
/// possessive ending.
pub fn mentions(doc: &Document, learned: &[(Span, usize)], rules: &[NameMention]) -> Vec<NameMention> {
    let mut out = Vec::with_capacity(learned.len());
    for &(span, class) in learned {
        let inside: Vec<&NameMention> = rules
            .iter()
            .filter(|m| ner::class_of(m.kind) == class && span.start <= m.span.start && m.span.end <= span.end)
            .collect();
        if inside.is_empty() {
            let pos = onrecord_entities::recognize::possessive_len(doc.slice(span));
            let span = Span::new(span.start, span.end - pos);
            if !span.is_empty() {
                out.push(NameMention { span, kind: type_of(class), score: 0.5 });
            }
        } else {
            out.extend(inside.into_iter().copied());
        }
    }
    out
}

/// The static vectors, the head and the rules' recogniser.
pub struct EntityTagger {
    encoding: Encoding,
    head: FastHead,
    recognizer: Recognizer,
}

impl EntityTagger {
    /// Loads MiniLM's static vectors from `model_dir` and the head from `head_dir`.
    pub fn load(model_dir: &Path, head_dir: &Path) -> Result<EntityTagger, LearnError> {
        let path = head_dir.join(HEAD_FILE);
        if !path.is_file() {
            return Err(LearnError::Model(format!("no trained entity head at {} (run `onrecord train entities`)", path.display())));
        }
        let head = Head::load(&path)?;
        if head.width != WIDTH || head.labels != 2 * CLASSES.len() + 1 {
            return Err(LearnError::Model(format!("{}: not an entity head ({} features, {} labels)", path.display(), head.width, head.labels)));
        }
        let encoding = Encoding::Static(StaticEmbeddings::load(model_dir)?);
        Ok(EntityTagger { encoding, head: FastHead::new(&head)?, recognizer: Recognizer::load_default() })
    }

    /// From the default places (see [`crate::default_head_dir`]).
    pub fn load_default() -> Result<EntityTagger, LearnError> {
        EntityTagger::load(&onrecord_embed::default_model_dir(), &crate::default_head_dir())
    }

    /// The learned names of `doc` (text layer done), given the rules' name mentions.
    pub fn tag(&self, doc: &Document, rules: &[NameMention]) -> Result<Vec<(Span, usize)>, LearnError> {
        let n = doc.tokens.len();
        if n == 0 {
            return Ok(Vec::new());
        }
        let x = rows(&self.encoding, doc, &classed(rules))?;
        let labels = crate::decode::viterbi(&self.head.log_probs(&x, n)?);
        Ok(names_of(doc, &labels))
    }
}

/// The entity layer with learned names: in place of [`onrecord_entities::EntityLayer`] (pipeline
/// name `"entities"`; its own name, `"learned-entities"`, tells a ledger's analysis version
/// apart), after the text layer.
pub struct LearnedEntityLayer {
    tagger: EntityTagger,
}

impl LearnedEntityLayer {
    pub fn new(tagger: EntityTagger) -> Self {
        LearnedEntityLayer { tagger }
    }
}

impl Component for LearnedEntityLayer {
    fn name(&self) -> &'static str {
        "learned-entities"
    }

    fn process(&self, doc: &mut Document) -> Result<(), Error> {
        let rules = self.tagger.recognizer.recognize(doc);
        // A model failure on one document leaves the rules' names in place.
        let names = match self.tagger.tag(doc, &rules) {
            Ok(learned) => mentions(doc, &learned, &rules),
            Err(e) => {
                eprintln!("warning: {}: learned entity tagger failed, keeping the rules' names: {e}", doc.id);
                rules
            }
        };
        doc.entities = onrecord_entities::build_entities(doc, &names);
        Ok(())
    }
}

/// Training examples from CoNLL-style data: the rules' names of each document come from a
/// perceptron that did not see it when `folds` is given (trained on the other folds), else from
/// the built-in one.
pub fn examples(enc: &Encoding, data: &[ner::Example], folds: Option<(usize, u64)>) -> Result<Vec<Example>, LearnError> {
    if let Some((k, _)) = folds {
        if k < 2 {
            return Err(LearnError::Data(format!("{k} folds: each fold's names need a perceptron trained on the others (2 or more)")));
        }
    }
    let fold_of = |i: usize, k: usize| i % k;
    let recognizers: Vec<Recognizer> = match folds {
        None => vec![Recognizer::load_default()],
        Some((k, seed)) => (0..k)
            .map(|f| {
                let rest: Vec<&ner::Example> = data.iter().enumerate().filter(|(i, _)| fold_of(*i, k) != f).map(|(_, e)| e).collect();
                let rest: Vec<ner::Example> = rest.into_iter().map(|e| ner::Example { doc: e.doc.clone(), gold: e.gold.clone() }).collect();
                let opts = ner::Options { seed: seed ^ f as u64, ..Default::default() };
                let model = ner::train(&rest, &[], &opts, &mut |_| {});
                eprintln!("entities: fold {}/{k}: perceptron trained on {} documents", f + 1, rest.len());
                Recognizer::with_model(Arc::new(model))
            })
            .collect(),
    };
    let mut out = Vec::with_capacity(data.len());
    for (i, ex) in data.iter().enumerate() {
        let rec = &recognizers[folds.map_or(0, |(k, _)| fold_of(i, k))];
        let names = classed(&rec.recognize(&ex.doc));
        let rows = rows(enc, &ex.doc, &names)?;
        out.push(Example { rows: rows.into_iter().map(half::f16::from_f32).collect(), labels: labels(&ex.doc, &ex.gold) });
    }
    Ok(out)
}

/// Scores learned names against gold, CoNLL style (exact span and class).
pub fn score(tagger: &EntityTagger, data: &[ner::Example]) -> Result<(ner::Score, ner::Score), LearnError> {
    let (mut learned, mut rules) = (ner::Score::default(), ner::Score::default());
    for ex in data {
        let r = tagger.recognizer.recognize(&ex.doc);
        rules.add(&ex.gold, &classed(&r));
        let l = tagger.tag(&ex.doc, &r)?;
        learned.add(&ex.gold, &classed(&mentions(&ex.doc, &l, &r)));
    }
    Ok((learned, rules))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Document {
        onrecord_core::text::document("t", text)
    }

    #[test]
    fn labels_and_names_round_trip() {
        let d = doc("Dmitry Peskov spoke for the Kremlin in Moscow .");
        let gold = vec![(Span::new(0, 13), 0), (Span::new(28, 35), 1), (Span::new(39, 45), 2)];
        let l = labels(&d, &gold);
        assert_eq!(l, vec![1, 2, 0, 0, 0, 3, 0, 5, 0]);
        let back = names_of(&d, &l.iter().map(|&x| usize::from(x)).collect::<Vec<_>>());
        assert_eq!(back, gold);
        // An I of another class starts a new name; so does a B right after a name.
        let d2 = doc("A B C D");
        assert_eq!(names_of(&d2, &[1, 4, 3, 1]).len(), 4);
    }

    #[test]
    fn shape_and_rule_flags() {
        let d = doc("NATO met Putin's aide in 2016.");
        let x = extras(&d, &[(Span::new(0, 4), 1)]);
        let row = |t: usize| &x[t * EXTRA..(t + 1) * EXTRA];
        assert_eq!(&row(0)[..SHAPE], &[1.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
        assert_eq!(row(0)[SHAPE + 2], 1.0, "B-ORG from the rules");
        assert_eq!(&row(1)[..SHAPE], &[0.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
        let last = d.tokens.len() - 1;
        assert_eq!(row(last)[4], 1.0, "punctuation");
        assert!(row(last - 1)[2] == 1.0, "digits");
    }

    #[test]
    fn rules_mentions_are_kept_inside_learned_names() {
        let d = doc("Trump’s aides met Mr. Smith.");
        let rules = vec![NameMention { span: Span::new(0, 5), kind: EntityType::Person, score: 0.9 }];
        let trump = d.tokens[0].span; // "Trump’s" is one token
        let smith = d.tokens.iter().find(|t| d.slice(t.span) == "Smith").unwrap().span;
        let m = mentions(&d, &[(trump, 0), (smith, 0)], &rules);
        assert_eq!(m.len(), 2);
        assert_eq!(d.slice(m[0].span), "Trump");
        assert_eq!(m[0].score, 0.9, "the rules' mention");
        assert_eq!(d.slice(m[1].span), "Smith");
        assert_eq!(m[1].kind, EntityType::Person);
        // A learned name of another class does not take the rules' mention.
        let m = mentions(&d, &[(trump, 1)], &rules);
        assert_eq!(m[0].kind, EntityType::Org);
        assert_eq!(d.slice(m[0].span), "Trump", "possessive ending cut");
    }
}

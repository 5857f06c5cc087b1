//! onrecord-learn: the learned attribution tier.
//!
//! A small head ([`model::Head`]) tags each text-layer token as source, cue or content (BIO)
//! from the frozen all-MiniLM-L6-v2 state of the token and a few flags from the rule pipeline
//! ([`features`]). Tags are decoded with constrained Viterbi ([`decode`]), grouped into
//! attributions (one content span with the nearest cue and source in its paragraph), and
//! combined with the rules' attributions by [`LearnedAttributionLayer`]. Training is in
//! [`train`] (`onrecord-learn train attribution ...`).

pub mod command;
pub mod decode;
pub mod entities;
pub mod features;
pub mod gold;
pub mod infer;
pub mod model;
pub mod train;

use std::path::{Path, PathBuf};

use onrecord_core::{Attribution, Component, Document, Error, MentionKind, Polarity, QuoteKind, SourceKind, Span};
use onrecord_quotes::lexicon::WordKind;
use onrecord_quotes::Lexicon;

/// O, B/I-source, B/I-cue, B/I-content.
pub const NLABELS: usize = 7;
pub const LABEL_NAMES: [&str; NLABELS] = ["O", "B-SRC", "I-SRC", "B-CUE", "I-CUE", "B-CON", "I-CON"];
pub use features::{Encoding, Kind};
pub use onrecord_embed::Compute;
/// Environment variable naming the directory of the trained heads (for a binary run away from
/// the source tree it was built in, e.g. on a GPU machine).
pub const HEAD_DIR_ENV: &str = "ONRECORD_HEAD_DIR";

/// The trained heads: `ONRECORD_HEAD_DIR` if set, else the committed model directory of this crate.
pub fn default_head_dir() -> PathBuf {
    match std::env::var_os(HEAD_DIR_ENV) {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("model"),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LearnError {
    #[error(transparent)]
    Embed(#[from] onrecord_embed::EmbedError),
    #[error("tensor: {0}")]
    Candle(#[from] candle_core::Error),
    #[error("head model: {0}")]
    Model(String),
    #[error("{0}")]
    Data(String),
    #[error("io {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// The kind of a tagged span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Source,
    Cue,
    Content,
}

/// How learned attributions join the rules' ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combine {
    /// Keep every rule attribution; add a learned one only where no rule content overlaps it.
    AddToRules,
    /// Learned attributions replace the rules', borrowing a rule source where the tagger found none.
    Replace,
}

/// Token vectors + head + the rules' lexicon: everything tagging needs.
pub struct Tagger {
    pub encoding: Encoding,
    pub head: model::Head,
    pub lex: Lexicon,
    /// The head's weights for tagging (see [`infer`]).
    fast: infer::FastHead,
}

impl Tagger {
    /// Loads `kind`'s vectors from the base model in `model_dir` and its head from `head_dir`.
    pub fn load(model_dir: &Path, head_dir: &Path, kind: Kind) -> Result<Tagger, LearnError> {
        Tagger::load_on(model_dir, head_dir, kind, Compute::Cpu)
    }

    /// As [`Tagger::load`], with the transformer on `compute` (the head stays on the CPU).
    pub fn load_on(model_dir: &Path, head_dir: &Path, kind: Kind, compute: Compute) -> Result<Tagger, LearnError> {
        let head_path = head_dir.join(kind.head_file());
        if !head_path.is_file() {
            return Err(LearnError::Model(format!(
                "no trained {} head at {} (run `onrecord train attribution --features {}`)",
                kind.name(),
                head_path.display(),
                kind.name()
            )));
        }
        let encoding = Encoding::load(kind, model_dir, &head_path, compute)?;
        Tagger::new(encoding, model::Head::load(&head_path)?)
    }

    pub fn new(encoding: Encoding, head: model::Head) -> Result<Tagger, LearnError> {
        let fast = infer::FastHead::new(&head)?;
        Ok(Tagger { encoding, head, lex: Lexicon::builtin(), fast })
    }

    /// Loads from the default places (see `onrecord_embed::default_model_dir`, [`default_head_dir`]).
    pub fn load_default(kind: Kind) -> Result<Tagger, LearnError> {
        Tagger::load_default_on(kind, Compute::Cpu)
    }

    /// As [`Tagger::load_default`], with the transformer on `compute`.
    pub fn load_default_on(kind: Kind, compute: Compute) -> Result<Tagger, LearnError> {
        Tagger::load_on(&onrecord_embed::default_model_dir(), &default_head_dir(), kind, compute)
    }

    /// Per-token label ids for a document that has been through the rule pipeline.
    pub fn tag(&self, doc: &Document) -> Result<Vec<usize>, LearnError> {
        Ok(decode::viterbi(&self.log_probs(doc)?))
    }

    /// Per-token log-probabilities of the labels ([`NLABELS`] per token).
    pub fn log_probs(&self, doc: &Document) -> Result<Vec<Vec<f32>>, LearnError> {
        let n = doc.tokens.len();
        if n == 0 {
            return Ok(Vec::new());
        }
        let states = features::token_states(&self.encoding, doc)?;
        let extras = features::extras(doc, &self.lex);
        let rows = features::rows(&states, &extras, n);
        self.fast.log_probs(&rows, n)
    }
}

/// Groups labels into spans (byte spans from the first to the last token of each).
pub fn spans(doc: &Document, labels: &[usize]) -> Vec<(Part, Span, std::ops::Range<usize>)> {
    let mut out: Vec<(Part, Span, std::ops::Range<usize>)> = Vec::new();
    for (t, &l) in labels.iter().enumerate() {
        let Some(tok) = doc.tokens.get(t) else { break };
        let part = match l {
            1 | 2 => Part::Source,
            3 | 4 => Part::Cue,
            5 | 6 => Part::Content,
            _ => continue,
        };
        let begins = matches!(l, 1 | 3 | 5);
        match out.last_mut() {
            Some((p, s, r)) if !begins && *p == part && r.end == t => {
                s.end = tok.span.end;
                r.end = t + 1;
            }
            _ => out.push((part, tok.span, t..t + 1)),
        }
    }
    out
}

fn token_distance(a: &std::ops::Range<usize>, b: &std::ops::Range<usize>) -> usize {
    if a.end <= b.start {
        b.start - a.end
    } else if b.end <= a.start {
        a.start - b.end
    } else {
        0
    }
}

/// Turns tagged spans into attributions: each content span takes the nearest cue in its
/// sentence (else in its paragraph), and the source nearest to that cue (or to the content
/// when there is no cue).
pub fn attributions(doc: &Document, labels: &[usize], lex: &Lexicon) -> Vec<Attribution> {
    let mut sp = spans(doc, labels);
    merge_contiguous_content(doc, &mut sp);
    let para = |s: Span| doc.paragraph_at(s.start);
    let sent = |s: Span| doc.sentence_at(s.start);
    let nearest = |part: Part, anchor: &std::ops::Range<usize>, p: Option<usize>| {
        sp.iter()
            .filter(|(k, s, _)| *k == part && para(*s) == p)
            .min_by_key(|(_, _, r)| token_distance(r, anchor))
            .map(|(_, s, r)| (*s, r.clone()))
    };
    let mut out = Vec::new();
    for (k, content, range) in &sp {
        if *k != Part::Content {
            continue;
        }
        let p = para(*content);
        // A cue in the content's own sentence first: the paragraph's nearest cue may belong to
        // the next sentence's attribution (PolNeAR train attribution F1 0.732 -> 0.737).
        let content_sent = sent(*content);
        let cue = sp
            .iter()
            .filter(|(k, s, _)| *k == Part::Cue && sent(*s) == content_sent)
            .min_by_key(|(_, _, r)| token_distance(r, range))
            .map(|(_, s, r)| (*s, r.clone()))
            .or_else(|| nearest(Part::Cue, range, p));
        let anchor = cue.as_ref().map_or(range.clone(), |(_, r)| r.clone());
        // A source in the cue's (or content's) own sentence first, else the paragraph's nearest.
        let anchor_sent = sent(cue.as_ref().map_or(*content, |(s, _)| *s));
        let source = sp
            .iter()
            .filter(|(k, s, _)| *k == Part::Source && sent(*s) == anchor_sent)
            .min_by_key(|(_, _, r)| token_distance(r, &anchor))
            .map(|(_, s, _)| *s)
            .or_else(|| nearest(Part::Source, &anchor, p).map(|(s, _)| s));
        out.push(build(doc, *content, cue.map(|(s, _)| s), source, lex));
    }
    merge_same_cue(&mut out);
    out
}

/// Content spans that the tagger split around their cue ("“A,” X said, “B.”") or broke in two
/// inside one clause take the same cue: they are one attribution with several content spans
/// (PolNeAR train attribution F1 0.676 -> 0.722).
fn merge_same_cue(out: &mut Vec<Attribution>) {
    let mut merged: Vec<Attribution> = Vec::with_capacity(out.len());
    for a in out.drain(..) {
        match merged.iter_mut().find(|m| m.cue.is_some() && m.cue == a.cue) {
            Some(m) => {
                m.content.extend(a.content.iter().copied());
                m.content.sort_by_key(|s| s.start);
                if m.source.is_none() {
                    m.source = a.source;
                    m.source_kind = a.source_kind;
                    m.speaker = a.speaker;
                }
                // Direct parts make a direct quote; parts of different kinds a mixed one.
                if m.kind != a.kind {
                    m.kind = QuoteKind::Mixed;
                }
            }
            None => merged.push(a),
        }
    }
    *out = merged;
}

/// The tagger sometimes restarts a content span (B after I) inside one clause: two content
/// spans with nothing between them in the same paragraph are one.
fn merge_contiguous_content(doc: &Document, sp: &mut Vec<(Part, Span, std::ops::Range<usize>)>) {
    let mut out: Vec<(Part, Span, std::ops::Range<usize>)> = Vec::with_capacity(sp.len());
    for item in sp.drain(..) {
        match out.last_mut() {
            Some((Part::Content, s, r))
                if item.0 == Part::Content
                    && r.end == item.2.start
                    && doc.paragraph_at(s.start) == doc.paragraph_at(item.1.start) =>
            {
                s.end = item.1.end;
                r.end = item.2.end;
            }
            _ => out.push(item),
        }
    }
    *sp = out;
}

fn build(doc: &Document, content: Span, cue: Option<Span>, source: Option<Span>, lex: &Lexicon) -> Attribution {
    let inside_quote = doc.quote_regions.iter().any(|q| q.span.contains(content) || content.contains(q.span) && q.span.len() * 10 >= content.len() * 9);
    let has_quote = doc.quote_regions.iter().any(|q| content.contains(q.open));
    let kind = if inside_quote {
        QuoteKind::Direct
    } else if has_quote {
        QuoteKind::Mixed
    } else {
        QuoteKind::Indirect
    };
    let speaker = source.and_then(|s| onrecord_entities::entity_at(doc, s));
    let source_kind = source.map_or(SourceKind::Named, |s| {
        let pronoun = doc
            .entities
            .iter()
            .flat_map(|e| e.mentions.iter())
            .any(|m| m.kind == MentionKind::Pronoun && m.span.start <= s.start && s.end <= m.span.end);
        let head = doc.slice(s).split_whitespace().last().unwrap_or("").to_lowercase();
        match lex.source_words.get(&head) {
            _ if pronoun => SourceKind::Pronoun,
            Some(WordKind::Pronoun) => SourceKind::Pronoun,
            Some(WordKind::Anonymous) if speaker.is_none() => SourceKind::Anonymous,
            Some(WordKind::Group) if speaker.is_none() => SourceKind::UnnamedGroup,
            Some(WordKind::Document) if speaker.is_none() => SourceKind::Document,
            _ => SourceKind::Named,
        }
    });
    Attribution {
        kind,
        content: vec![content],
        cue,
        source,
        source_kind,
        speaker,
        confidence: if speaker.is_some() { 0.6 } else { 0.3 },
        addressee: None,
        hedges: Vec::new(),
        polarity: Polarity::Asserts,
        time: None,
    }
}

fn overlaps(a: Span, b: Span) -> bool {
    a.start < b.end && b.start < a.end
}

/// Joins learned attributions with the rules' (already in `doc.attributions`).
/// A learned indirect content of fewer words than this, that no rule attribution overlaps, is a
/// fragment of a clause, not a claim (chosen on PolNeAR train: 1 -> 2 words gave +0.009
/// attribution F1; 3-5 gave less).
const MIN_LEARNED_INDIRECT_WORDS: usize = 2;

pub fn combine(doc: &Document, learned: Vec<Attribution>, how: Combine) -> Vec<Attribution> {
    let rules = &doc.attributions;
    let rule_overlap = |a: &Attribution| {
        rules
            .iter()
            .find(|r| r.content.iter().any(|&rc| a.content.iter().any(|&lc| overlaps(rc, lc))))
    };
    // The rules veto a short learned "content" that is just a quoted phrase they chose not to
    // attribute (scare quotes, titles).
    let words = |a: &Attribution| a.content.iter().map(|&c| doc.tokens_in(c).filter(|&t| doc.tokens.get(t).is_some_and(|k| k.kind == onrecord_core::TokenKind::Word)).count()).sum::<usize>();
    let fragment = |a: &Attribution| a.kind == QuoteKind::Indirect && words(a) < MIN_LEARNED_INDIRECT_WORDS;
    let vetoed = |a: &Attribution| {
        a.kind == QuoteKind::Direct
            && rule_overlap(a).is_none()
            && a.content.iter().map(|&c| doc.tokens_in(c).len()).sum::<usize>() < 6
    };
    match how {
        Combine::AddToRules => {
            let mut out = rules.clone();
            out.extend(
                learned
                    .into_iter()
                    .filter(|a| a.source.is_some() && rule_overlap(a).is_none() && !vetoed(a)),
            );
            out.sort_by_key(|a| a.content.first().map_or(0, |s| s.start));
            out
        }
        Combine::Replace => learned
            .into_iter()
            .filter(|a| !vetoed(a) && !(fragment(a) && rule_overlap(a).is_none()))
            .map(|mut a| {
                if let Some(r) = rule_overlap(&a) {
                    // Borrow the rules' source where the tagger has none, or where both point at
                    // the same words and only the rules resolved the speaker. (Always preferring
                    // the rules' source scored lower on PolNeAR dev: 0.608 against 0.616.)
                    if a.source.is_none() || a.speaker.is_none() && r.speaker.is_some() && r.source.is_some_and(|rs| a.source.is_some_and(|ls| overlaps(rs, ls))) {
                        a.source = r.source;
                        a.source_kind = r.source_kind;
                        a.speaker = r.speaker;
                        a.confidence = r.confidence;
                    }
                    if a.cue.is_none() {
                        a.cue = r.cue;
                    }
                    a.polarity = r.polarity;
                    a.hedges = r.hedges.clone();
                    a.addressee = r.addressee;
                    a.time = r.time;
                }
                a
            })
            // Content with no source anywhere near is more often a fragment than an attribution.
            .filter(|a| a.source.is_some())
            .collect(),
    }
}

/// Turns the tagger's labels into attributions and combines them with the rules' in `doc`: what
/// the learned layer does after tagging (shared with the evaluation commands that read cached
/// labels or features).
pub fn apply_labels(doc: &mut Document, labels: &[usize], lex: &Lexicon, how: Combine) {
    let learned = attributions(doc, labels, lex);
    doc.attributions = combine(doc, learned, how);
}

/// The learned attribution component. Run after the rule `AttributionLayer` (whose output it
/// uses as features and combines with).
pub struct LearnedAttributionLayer {
    tagger: Tagger,
    how: Combine,
}

impl LearnedAttributionLayer {
    pub fn new(tagger: Tagger, how: Combine) -> Self {
        LearnedAttributionLayer { tagger, how }
    }
}

impl Component for LearnedAttributionLayer {
    /// One name per kind of vectors, so a ledger's analysis version tells them apart.
    fn name(&self) -> &'static str {
        match self.tagger.encoding.kind() {
            Kind::Static => "learned-quotes",
            Kind::Tuned => "learned-quotes-tuned",
            Kind::Contextual => "learned-quotes-contextual",
        }
    }

    fn process(&self, doc: &mut Document) -> Result<(), Error> {
        // A model failure on one document leaves the rules' attributions in place.
        let labels = match self.tagger.tag(doc) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("warning: {}: learned tagger failed, keeping rule attributions: {e}", doc.id);
                return Ok(());
            }
        };
        apply_labels(doc, &labels, &self.tagger.lex, self.how);
        Ok(())
    }
}

/// The rule pipeline the learned tier runs on: text, entities, times, rule attributions.
pub fn rule_pipeline() -> onrecord_core::Pipeline {
    onrecord_core::Pipeline::new()
        .with(onrecord_core::text::TextLayer::new())
        .with(onrecord_entities::EntityLayer::new())
        .with(onrecord_time::TimeTagger::new())
        .with(onrecord_quotes::AttributionLayer::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use onrecord_core::text::TextLayer;

    #[test]
    fn spans_group_bio() {
        let mut doc = Document::new("t", "Officials said the plan failed badly.");
        TextLayer::new().process(&mut doc).unwrap();
        // Officials said the plan failed badly .
        let labels = [1, 3, 5, 6, 6, 6, 0];
        let sp = spans(&doc, &labels);
        assert_eq!(sp.len(), 3);
        assert_eq!(doc.slice(sp[2].1), "the plan failed badly");
        let atts = attributions(&doc, &labels, &Lexicon::builtin());
        assert_eq!(atts.len(), 1);
        assert_eq!(atts[0].source.map(|s| doc.slice(s)), Some("Officials"));
        assert_eq!(atts[0].cue.map(|s| doc.slice(s)), Some("said"));
        assert_eq!(atts[0].kind, QuoteKind::Indirect);
    }

    #[test]
    fn content_split_around_its_cue_is_one_attribution() {
        let mut doc = Document::new("t", "“We will win,” she said, “and soon.”");
        TextLayer::new().process(&mut doc).unwrap();
        let words: Vec<&str> = doc.tokens.iter().map(|t| doc.slice(t.span)).collect();
        assert_eq!(words, ["“", "We", "will", "win", ",", "”", "she", "said", ",", "“", "and", "soon", ".", "”"]);
        let labels = [5, 6, 6, 6, 6, 6, 1, 3, 0, 5, 6, 6, 6, 6];
        let atts = attributions(&doc, &labels, &Lexicon::builtin());
        assert_eq!(atts.len(), 1, "{atts:?}");
        assert_eq!(atts[0].content.len(), 2);
        assert_eq!(atts[0].source.map(|s| doc.slice(s)), Some("she"));
        assert_eq!(atts[0].kind, QuoteKind::Direct);
    }

    #[test]
    fn content_takes_the_cue_of_its_own_sentence() {
        let mut doc = Document::new("t", "He wanted to remind voters he paid for it. She denied the deal.");
        TextLayer::new().process(&mut doc).unwrap();
        let words: Vec<&str> = doc.tokens.iter().map(|t| doc.slice(t.span)).collect();
        assert_eq!(words, ["He", "wanted", "to", "remind", "voters", "he", "paid", "for", "it", ".", "She", "denied", "the", "deal", "."]);
        assert_eq!(doc.sentences.len(), 2);
        // The tagger missed "remind"; "denied" (next sentence) is nearer than "wanted" in tokens
        // from the content's end but belongs to the other attribution.
        let labels = [1, 3, 0, 0, 0, 5, 6, 6, 6, 0, 1, 3, 5, 6, 0];
        let atts = attributions(&doc, &labels, &Lexicon::builtin());
        assert_eq!(atts.len(), 2, "{atts:?}");
        assert_eq!(atts[0].cue.map(|s| doc.slice(s)), Some("wanted"));
        assert_eq!(atts[0].source.map(|s| doc.slice(s)), Some("He"));
        assert_eq!(atts[1].cue.map(|s| doc.slice(s)), Some("denied"));
        assert_eq!(atts[1].source.map(|s| doc.slice(s)), Some("She"));
    }

    #[test]
    fn empty_and_short_labels_do_not_panic() {
        let mut doc = Document::new("t", "Hi.");
        TextLayer::new().process(&mut doc).unwrap();
        assert!(attributions(&doc, &[], &Lexicon::builtin()).is_empty());
        assert!(attributions(&doc, &[6, 6, 6, 6, 6], &Lexicon::builtin()).len() <= 1);
    }
}

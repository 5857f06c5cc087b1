//! Finding proper-name mentions and their types (PERSON, ORG, GPE, ...).
//!
//! An averaged-perceptron sequence tagger (BILOU tags over the CoNLL classes PER, ORG, LOC,
//! MISC, Viterbi decoding under BILOU constraints) with hashed features: word, shape,
//! affixes, a ±2 window, headline and sentence-start context, the word's casing elsewhere in the
//! document, and gazetteers (`data/gazetteer-*.tsv`). Weights are `i16` units of one scale, so
//! a token's scores are exact integer sums; the one-word features of each word are summed once
//! and kept, with the word's facts, in a bounded per-thread cache that outlives the document
//! (`features::Words`); a token surely outside any name (`features::surely_outside`) is tagged
//! O without adding up its features. It is trained on CoNLL-2003 by the `train-ner` binary; the
//! weights are compiled in from `model/ner.bin` (inflated by `build.rs`). To retrain (about 5 s,
//! fixed seed, logs each epoch's dev F1):
//!
//! ```text
//! cargo run --release -p onrecord-entities --bin train-ner -- --train ../shared/data/conll2003/train \
//!     --dev ../shared/data/conll2003/dev --out crates/entities/model/ner.bin
//! ```
//!
//! After tagging, each name is cleaned (no leading "the", no title words before a person's
//! name, no possessive "’s"), a surname tagged as a person anywhere makes its other lone
//! mentions persons, and the class is refined: LOC to GPE or LOC, MISC to NORP, EVENT or MISC.

mod features;
mod hash;
pub mod model;
pub mod train;

use rustc_hash::FxHashMap as HashMap;
use std::sync::{Arc, OnceLock};

use onrecord_core::lexicon::Table;
use onrecord_core::{Document, EntityType, Span, TokenKind};

use features::{Lexicon, Tok};
use model::{Model, NT};

pub use features::possessive_len;

/// A proper-name mention found in the text, before clustering into entities.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NameMention {
    /// The name itself: no leading "the", no possessive "’s".
    pub span: Span,
    pub kind: EntityType,
    /// Tagger confidence, 0..1.
    pub score: f32,
}

/// Finds name mentions in a document that has the text layer.
#[derive(Debug, Clone)]
pub struct Recognizer {
    model: Arc<Model>,
    lex: Arc<Lexicon>,
    cues: Arc<HashMap<String, EntityType>>,
}

impl Default for Recognizer {
    fn default() -> Self {
        Recognizer::load_default()
    }
}

/// The emission of a position that may only be `O` (see [`features::surely_outside`]).
const ONLY_O: [f32; NT] = {
    let mut e = [f32::NEG_INFINITY; NT];
    e[model::O] = 0.0;
    e
};

/// `model/ner.bin` as `build.rs` inflated it.
static MODEL_RAW: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/ner.raw"));

fn builtin_lexicon() -> &'static Arc<Lexicon> {
    static LEX: OnceLock<Arc<Lexicon>> = OnceLock::new();
    LEX.get_or_init(|| Arc::new(Lexicon::builtin()))
}

fn builtin_cues() -> &'static Arc<HashMap<String, EntityType>> {
    static CUES: OnceLock<Arc<HashMap<String, EntityType>>> = OnceLock::new();
    CUES.get_or_init(|| {
        let t = Table::builtin("type-cues.tsv", include_str!("../../data/type-cues.tsv"), 2);
        let m = t
            .map_lower()
            .into_iter()
            .filter_map(|(k, v)| {
                let t = match v.as_str() {
                    "loc" => EntityType::Loc,
                    "event" => EntityType::Event,
                    "org" => EntityType::Org,
                    _ => return None,
                };
                Some((k, t))
            })
            .collect();
        Arc::new(m)
    })
}

/// True for title and role words that may stand before a name and are not part of it
/// ("President", "President-elect", "spokesman", "Adm.", "Dr"), from `data/titles.tsv`.
pub fn is_title_word(word: &str) -> bool {
    builtin_lexicon().is_title(word)
}

/// Reusable buffers for one call.
#[derive(Default)]
struct Scratch {
    toks: Vec<Tok>,
    orig: Vec<usize>,
    em: Vec<[f32; NT]>,
    back: Vec<[f32; NT]>,
    tags: Vec<usize>,
    doccase: hash::HashedMap<u8>,
}

impl Recognizer {
    /// The recogniser with its built-in model and gazetteers. A missing or unreadable built-in
    /// model (only while bootstrapping training) gives a recogniser that finds nothing.
    ///
    /// The gazetteers and the model are independent and each about a third of a process's
    /// start-up, so the gazetteers load on a second thread meanwhile (on one thread when none
    /// can be started).
    pub fn load_default() -> Recognizer {
        static MODEL: OnceLock<Arc<Model>> = OnceLock::new();
        let model = std::thread::scope(|s| {
            let _ = std::thread::Builder::new().spawn_scoped(s, || {
                builtin_lexicon();
                builtin_cues();
            });
            MODEL.get_or_init(|| Arc::new(Model::read_raw(MODEL_RAW).unwrap_or_default()))
        });
        Recognizer::with_model(model.clone())
    }

    /// A recogniser over the given weights (used by training to score each epoch).
    pub fn with_model(model: Arc<Model>) -> Recognizer {
        Recognizer { model, lex: builtin_lexicon().clone(), cues: builtin_cues().clone() }
    }

    /// True when the built-in model is present (it is absent only while bootstrapping).
    pub fn has_model(&self) -> bool {
        !self.model.is_empty()
    }

    pub fn recognize(&self, doc: &Document) -> Vec<NameMention> {
        let mut out = Vec::new();
        if self.model.is_empty() {
            return out;
        }
        features::with_words(&self.model, &self.lex, |words| self.tag_document(doc, words, &mut out));
        out
    }

    /// Tags every sentence of `doc` and cleans the names into `out`.
    fn tag_document(&self, doc: &Document, words: &mut features::Words, out: &mut Vec<NameMention>) {
        let mut sc = Scratch::default();
        words.document(doc, &self.lex, &self.model, &mut sc.doccase);
        // Token index ranges of the mentions, for the consistency pass.
        let mut ranges = Vec::new();
        for s in &doc.sentences {
            let Some(toks) = doc.tokens.get(s.tokens.clone()) else { continue };
            if toks.is_empty() {
                continue;
            }
            self.tag_sentence(doc, s.tokens.clone(), toks, words, &mut sc);
            for (v, class) in model::spans(&sc.tags) {
                let score = confidence(&sc.em[v.clone()], &sc.tags[v.clone()]);
                // Back from virtual tokens to the sentence's tokens.
                let (Some(&a), Some(&b)) = (sc.orig.get(v.start), sc.orig.get(v.end - 1)) else { continue };
                // A name starting on a possessive's virtual `'` or `s` starts after that word.
                let a = if v.start > 0 && sc.orig[v.start - 1] == a { a + 1 } else { a };
                if a > b {
                    continue;
                }
                let whole = a..b + 1;
                for r in split_possessives(doc, toks, whole) {
                    if let Some((r, span)) = self.clean(doc, toks, r, class) {
                        let kind = self.refine(doc, toks, r.clone(), class, span);
                        ranges.push((s.tokens.start + r.start..s.tokens.start + r.end, class));
                        out.push(NameMention { span, kind, score });
                    }
                }
            }
        }
        self.make_consistent(doc, &ranges, out);
        // A one-word place-like name written with an article anywhere ("the Kremlin") was made
        // an organisation; so are its other mentions ("Kremlin spokesman").
        let orgs: Vec<&str> = out
            .iter()
            .zip(&ranges)
            .filter(|(m, (r, c))| *c == 2 && r.len() == 1 && m.kind == EntityType::Org)
            .map(|(m, _)| doc.slice(m.span))
            .collect();
        if !orgs.is_empty() {
            for (m, (_, c)) in out.iter_mut().zip(&ranges) {
                if *c == 2 && m.kind == EntityType::Gpe && orgs.contains(&doc.slice(m.span)) {
                    m.kind = EntityType::Org;
                }
            }
        }
    }

    /// Tags one sentence into `sc.tags` (with emissions in `sc.em`).
    fn tag_sentence(
        &self,
        doc: &Document,
        range: std::ops::Range<usize>,
        toks: &[onrecord_core::Token],
        types: &mut features::Words,
        sc: &mut Scratch,
    ) {
        types.sentence(range, &self.lex, &sc.doccase, &mut sc.toks, &mut sc.orig);
        let allcaps = features::all_caps(&doc.text, toks);
        sc.em.clear();
        for i in 0..sc.toks.len() {
            // A position surely outside a name may only be `O`; every path through it then
            // shares the same `O` score, so leaving that score at 0 does not change the best
            // path, and its features need not be added up.
            let e = if features::surely_outside(&sc.toks, i) {
                ONLY_O
            } else {
                let mut e = [0f32; NT];
                types.emission(&self.model, &sc.toks, i, allcaps, &mut e);
                e
            };
            sc.em.push(e);
        }
        self.model.viterbi(&sc.em, &mut sc.back, &mut sc.tags);
    }

    /// Cuts a leading "the", title words before a person's name and a possessive ending.
    fn clean(
        &self,
        doc: &Document,
        toks: &[onrecord_core::Token],
        mut r: std::ops::Range<usize>,
        class: usize,
    ) -> Option<(std::ops::Range<usize>, Span)> {
        while r.start < r.end {
            let t = &toks[r.start];
            let w = doc.slice(t.span);
            let sentence_start = r.start == 0 || toks[r.start - 1].kind == TokenKind::QuoteMark;
            let strip = matches!(t.kind, TokenKind::Punct | TokenKind::QuoteMark)
                || w == "the"
                || (w == "The" && sentence_start && r.len() > 1)
                || (class == 0 && r.len() > 1 && self.lex.is_title(w));
            if !strip {
                break;
            }
            r.start += 1;
        }
        while r.start < r.end && matches!(toks[r.end - 1].kind, TokenKind::Punct | TokenKind::QuoteMark) {
            r.end -= 1;
        }
        if r.is_empty() {
            return None;
        }
        let last = toks[r.end - 1].span;
        let end = last.end - possessive_len(doc.slice(last));
        let span = Span::new(toks[r.start].span.start, end);
        (!span.is_empty()).then_some((r, span))
    }

    /// The finer type of a name tagged with CoNLL class `class`.
    fn refine(
        &self,
        doc: &Document,
        sent: &[onrecord_core::Token],
        r: std::ops::Range<usize>,
        class: usize,
        span: Span,
    ) -> EntityType {
        let toks = &sent[r.clone()];
        // "the Kremlin", "The Independent": one word with an article that is no known place
        // names a seat of power or a title ("the Republic of Ireland" is left a place).
        let the = |t: &onrecord_core::Token| doc.slice(t.span).eq_ignore_ascii_case("the");
        let definite = match toks {
            [a, _] => doc.slice(a.span) == "The",
            [_] => r.start > 0 && the(&sent[r.start - 1]),
            _ => false,
        };
        let cue = |want: EntityType| {
            toks.iter().any(|t| {
                let w = doc.slice(t.span);
                let w = &w[..w.len() - possessive_len(w)];
                self.cues.get(&w.to_lowercase()) == Some(&want)
            })
        };
        let last_is_org = || {
            toks.last().is_some_and(|t| {
                let w = doc.slice(t.span);
                let w = &w[..w.len() - possessive_len(w)];
                self.cues.get(&w.trim_end_matches('.').to_lowercase()) == Some(&EntityType::Org)
            })
        };
        match class {
            0 if toks.len() > 1 && last_is_org() => EntityType::Org,
            0 => EntityType::Person,
            1 => EntityType::Org,
            2 => {
                let g = self.lex.kinds(doc.slice(span));
                if g & features::G_GPE != 0 {
                    EntityType::Gpe
                } else if g & features::G_LOC != 0 || cue(EntityType::Loc) {
                    EntityType::Loc
                } else if definite {
                    EntityType::Org
                } else {
                    EntityType::Gpe
                }
            }
            _ => {
                if self.lex.kinds(doc.slice(span)) & features::G_NORP != 0 {
                    EntityType::Norp
                } else if cue(EntityType::Event) {
                    EntityType::Event
                } else {
                    EntityType::Misc
                }
            }
        }
    }

    /// A one-word name that is the surname of a person named in full elsewhere in the document
    /// is that person ("Trump" after "Donald Trump"), whatever its context suggested.
    fn make_consistent(&self, doc: &Document, ranges: &[(std::ops::Range<usize>, usize)], out: &mut [NameMention]) {
        let mut surnames: HashMap<&str, ()> = HashMap::default();
        for (m, (r, _)) in out.iter().zip(ranges) {
            if m.kind == EntityType::Person && r.len() > 1 {
                let last = doc.tokens[r.end - 1].span;
                let w = doc.slice(Span::new(last.start, m.span.end.max(last.start)));
                surnames.insert(w, ());
            }
        }
        for m in out.iter_mut() {
            if m.kind != EntityType::Person && surnames.contains_key(doc.slice(m.span)) {
                m.kind = EntityType::Person;
            }
        }
    }
}

/// A possessive inside a name ends it: "NATO’s Military Committee" is "NATO" and "Military
/// Committee".
fn split_possessives<'a>(
    doc: &'a Document,
    toks: &'a [onrecord_core::Token],
    r: std::ops::Range<usize>,
) -> impl Iterator<Item = std::ops::Range<usize>> + 'a {
    let mut start = r.start;
    let end = r.end;
    std::iter::from_fn(move || {
        if start >= end {
            return None;
        }
        let mut i = start;
        while i + 1 < end && possessive_len(doc.slice(toks[i].span)) == 0 {
            i += 1;
        }
        let piece = start..i + 1;
        start = i + 1;
        Some(piece)
    })
}

/// Confidence of a mention: how far its weakest token's tag beats that token's best rival.
fn confidence(em: &[[f32; NT]], tags: &[usize]) -> f32 {
    let mut min = f32::INFINITY;
    for (e, &t) in em.iter().zip(tags) {
        let rival = e.iter().enumerate().filter(|&(j, _)| j != t).fold(f32::NEG_INFINITY, |m, (_, &x)| m.max(x));
        min = min.min(e[t] - rival);
    }
    if !min.is_finite() {
        return 0.5;
    }
    1.0 / (1.0 + (-min).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Document {
        onrecord_core::text::document("t", text)
    }

    /// A recogniser whose "model" tags every capitalised word as `class`, for testing the
    /// cleaning steps apart from the weights.
    fn names(text: &str, class: usize) -> Vec<(String, EntityType)> {
        let d = doc(text);
        let r = Recognizer::with_model(Arc::new(Model::default()));
        let mut out = Vec::new();
        for s in &d.sentences {
            let toks = &d.tokens[s.tokens.clone()];
            let mut i = 0;
            while i < toks.len() {
                let cap = |k: usize| {
                    toks.get(k).is_some_and(|t| d.slice(t.span).chars().next().is_some_and(char::is_uppercase))
                };
                if !cap(i) {
                    i += 1;
                    continue;
                }
                let a = i;
                while cap(i) {
                    i += 1;
                }
                for piece in split_possessives(&d, toks, a..i) {
                    if let Some((rr, span)) = r.clean(&d, toks, piece, class) {
                        out.push((d.slice(span).to_string(), r.refine(&d, toks, rr, class, span)));
                    }
                }
            }
        }
        out
    }

    #[test]
    fn titles_and_possessives_are_cut() {
        let n = names("He met President-elect Donald Trump’s aides and Admiral Rob Bauer.", 0);
        assert_eq!(n[0].0, "He");
        assert_eq!(n[1], ("Donald Trump".to_string(), EntityType::Person));
        assert_eq!(n[2].0, "Rob Bauer");
        let n = names("the chairman of NATO’s Military Committee", 1);
        assert_eq!(n[0].0, "NATO");
        assert_eq!(n[1].0, "Military Committee");
    }

    #[test]
    fn leading_the() {
        // Mid-sentence "The" is part of a newspaper's name; at the start of a sentence it is not.
        assert_eq!(names("It told The Washington Post so.", 1)[1].0, "The Washington Post");
        assert_eq!(names("The Kremlin denied it.", 1)[0].0, "Kremlin");
    }

    #[test]
    fn refined_types() {
        assert_eq!(names("in France", 2)[0].1, EntityType::Gpe);
        assert_eq!(names("in Europe", 2)[0].1, EntityType::Loc);
        assert_eq!(names("on the Black Sea", 2)[0].1, EntityType::Loc);
        assert_eq!(names("some Republicans", 3)[0].1, EntityType::Norp);
        assert_eq!(names("the World Cup", 3)[0].1, EntityType::Event);
        assert_eq!(names("of the Military Committee", 0)[0].1, EntityType::Org);
    }

    #[test]
    fn title_table() {
        assert!(is_title_word("President") && is_title_word("spokesman") && is_title_word("Dr."));
        assert!(!is_title_word("Peskov"));
    }

    #[test]
    fn empty_model_finds_nothing_and_never_panics() {
        let r = Recognizer::with_model(Arc::new(Model::default()));
        assert!(r.recognize(&doc("Donald Trump spoke.")).is_empty());
        let d = Recognizer::load_default();
        for t in ["", "’s", "The", "U.S.’s", "“", "A\u{301}b’s C"] {
            let _ = d.recognize(&doc(t));
        }
    }
}

//! The word lists of `data/`, parsed once into lookup maps.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use onrecord_core::lexicon::Table;

/// What a reporting cue says about the attribution it introduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CueClass {
    Speech,
    Denial,
    Refusal,
    Belief,
    Document,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cue {
    pub class: CueClass,
    /// "told reporters": the word after the cue may name the addressee.
    pub addressee: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HedgeKind {
    /// An adverb ("reportedly").
    Hedge,
    /// "according to X".
    According,
    /// "is said to".
    Passive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordKind {
    Pronoun,
    Anonymous,
    Group,
    Document,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grammar {
    Skip,
    Stop,
    Quant,
    Object,
    /// Opens an adverbial phrase ("after the debate", "during an interview"): not content.
    Adjunct,
}

/// All tables, keyed by lower-case word (FxHash: looked up for most tokens, SipHash showed in
/// the profile).
#[derive(Debug)]
pub struct Lexicon {
    pub cues: HashMap<String, Cue>,
    /// Multi-word cues ("called for", "pointed out") as token sequences, longest first.
    pub cue_phrases: Vec<(Vec<String>, Cue)>,
    /// Hedge phrases as token sequences, longest first.
    pub hedges: Vec<(Vec<String>, HedgeKind)>,
    pub source_words: HashMap<String, WordKind>,
    pub grammar: HashMap<String, Vec<Grammar>>,
    pub denial_words: HashSet<String>,
    /// The phrases of `hedges` and `cue_phrases` that begin with a word, by that word: a token
    /// is tried only against the phrases it can begin, in the same order as the full lists.
    pub phrase_starts: HashMap<String, PhraseStarts>,
}

/// Indices into `Lexicon::hedges` and `Lexicon::cue_phrases` of the phrases that begin with
/// one word, in list order (longest first).
#[derive(Debug, Default)]
pub struct PhraseStarts {
    pub hedges: Vec<usize>,
    pub cue_phrases: Vec<usize>,
}

const CUES: &str = include_str!("../data/cues.tsv");
const HEDGES: &str = include_str!("../data/hedges.tsv");
const SOURCES: &str = include_str!("../data/sources.tsv");
const GRAMMAR: &str = include_str!("../data/grammar.tsv");
const DENIAL: &str = include_str!("../data/denial_words.tsv");

impl Lexicon {
    /// The built-in tables (checked by the unit tests, so parsing cannot fail at run time).
    pub fn builtin() -> Lexicon {
        let mut cues = HashMap::default();
        let mut cue_phrases = Vec::new();
        for r in Table::builtin("cues", CUES, 3).rows {
            let class = match r[1].as_str() {
                "denial" => CueClass::Denial,
                "refusal" => CueClass::Refusal,
                "belief" => CueClass::Belief,
                "document" => CueClass::Document,
                _ => CueClass::Speech,
            };
            let cue = Cue {
                class,
                addressee: r[2] == "yes",
            };
            let key = r[0].to_lowercase();
            if key.contains(' ') {
                cue_phrases.push((key.split_whitespace().map(str::to_string).collect(), cue));
            } else {
                cues.insert(key, cue);
            }
        }
        cue_phrases.sort_by_key(|(w, _): &(Vec<String>, Cue)| std::cmp::Reverse(w.len()));
        let mut hedges: Vec<(Vec<String>, HedgeKind)> = Table::builtin("hedges", HEDGES, 2)
            .rows
            .iter()
            .map(|r| {
                let kind = match r[1].as_str() {
                    "according" => HedgeKind::According,
                    "passive" => HedgeKind::Passive,
                    _ => HedgeKind::Hedge,
                };
                (
                    r[0].to_lowercase()
                        .split_whitespace()
                        .map(str::to_string)
                        .collect(),
                    kind,
                )
            })
            .collect();
        hedges.sort_by_key(|h| std::cmp::Reverse(h.0.len()));
        let source_words = Table::builtin("sources", SOURCES, 2)
            .rows
            .iter()
            .map(|r| {
                let k = match r[1].as_str() {
                    "pronoun" => WordKind::Pronoun,
                    "group" => WordKind::Group,
                    "document" => WordKind::Document,
                    _ => WordKind::Anonymous,
                };
                (r[0].to_lowercase(), k)
            })
            .collect();
        let mut grammar: HashMap<String, Vec<Grammar>> = HashMap::default();
        for r in Table::builtin("grammar", GRAMMAR, 2).rows {
            let g = match r[1].as_str() {
                "skip" => Grammar::Skip,
                "quant" => Grammar::Quant,
                "object" => Grammar::Object,
                "adjunct" => Grammar::Adjunct,
                _ => Grammar::Stop,
            };
            grammar.entry(r[0].to_lowercase()).or_default().push(g);
        }
        let denial_words = Table::builtin("denial_words", DENIAL, 1)
            .keys_lower()
            .into_iter()
            .collect();
        let mut phrase_starts: HashMap<String, PhraseStarts> = HashMap::default();
        for (i, (words, _)) in hedges.iter().enumerate() {
            if let Some(w) = words.first() {
                phrase_starts.entry(w.clone()).or_default().hedges.push(i);
            }
        }
        for (i, (words, _)) in cue_phrases.iter().enumerate() {
            if let Some(w) = words.first() {
                phrase_starts
                    .entry(w.clone())
                    .or_default()
                    .cue_phrases
                    .push(i);
            }
        }
        Lexicon {
            cues,
            cue_phrases,
            hedges,
            source_words,
            grammar,
            denial_words,
            phrase_starts,
        }
    }

    pub fn is(&self, word: &str, g: Grammar) -> bool {
        self.grammar.get(word).is_some_and(|v| v.contains(&g))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_parse() {
        for (name, src, n) in [
            ("cues", CUES, 3),
            ("hedges", HEDGES, 2),
            ("sources", SOURCES, 2),
            ("grammar", GRAMMAR, 2),
            ("denial_words", DENIAL, 1),
        ] {
            Table::parse(name, src, n).unwrap();
        }
        let l = Lexicon::builtin();
        assert_eq!(
            l.cues.get("denied").map(|c| c.class),
            Some(CueClass::Denial)
        );
        assert!(l.cues.get("told").is_some_and(|c| c.addressee));
        assert!(l.cue_phrases.iter().any(|(w, _)| w == &["called", "for"]));
        assert!(l.is("has", Grammar::Skip));
        assert_eq!(l.source_words.get("sources"), Some(&WordKind::Anonymous));
        assert!(l.hedges.iter().any(|h| h.0 == ["according", "to"]));
    }

    /// Every phrase is indexed under its first word, once, and the index keeps list order, so
    /// trying a token's indexed phrases finds what trying every phrase would.
    #[test]
    fn phrase_starts_index_every_phrase_in_order() {
        let l = Lexicon::builtin();
        assert!(l.hedges.iter().all(|h| !h.0.is_empty()));
        assert!(l.cue_phrases.iter().all(|c| !c.0.is_empty()));
        let mut hedges = 0;
        let mut cue_phrases = 0;
        for (w, s) in &l.phrase_starts {
            assert!(s.hedges.windows(2).all(|p| p[0] < p[1]));
            assert!(s.cue_phrases.windows(2).all(|p| p[0] < p[1]));
            assert!(s.hedges.iter().all(|&i| &l.hedges[i].0[0] == w));
            assert!(s.cue_phrases.iter().all(|&i| &l.cue_phrases[i].0[0] == w));
            hedges += s.hedges.len();
            cue_phrases += s.cue_phrases.len();
        }
        assert_eq!(hedges, l.hedges.len());
        assert_eq!(cue_phrases, l.cue_phrases.len());
        let according = &l.phrase_starts["according"];
        assert_eq!(l.hedges[according.hedges[0]].0, ["according", "to"]);
        assert!(l.phrase_starts["called"].cue_phrases.len() >= 2);
    }
}

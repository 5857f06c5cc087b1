//! Words, sentences and cue tables for the lexical features.

use std::collections::{HashMap, HashSet};

use onrecord_core::lexicon::Table;
use rust_stemmers::{Algorithm, Stemmer};

/// Sentences kept per text: stance is decided early in news bodies, and the cap bounds the
/// embedding cost of very long texts.
pub const MAX_SENTENCES: usize = 30;
/// Characters kept per sentence (run-ons and tables are cut; the encoder truncates anyway).
pub const MAX_SENTENCE_CHARS: usize = 400;

/// Lower-cased word tokens; apostrophes inside words are kept ("didn't"), curly ones folded.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let c = if c == '\u{2019}' || c == '\u{2018}' { '\'' } else { c };
        if c.is_alphanumeric() {
            cur.extend(c.to_lowercase());
        } else if c == '\'' && !cur.is_empty() && chars.peek().is_some_and(|n| n.is_alphanumeric()) {
            cur.push('\'');
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Splits plain text into sentences: at line breaks, and after . ! ? (with closing quotes or
/// brackets) followed by space and a capital, digit or quote. Rough on purpose: sentences only
/// pick the parts of a text that talk about the claim.
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for line in text.split('\n') {
        let mut start = 0;
        let mut it = line.char_indices().peekable();
        while let Some((i, c)) = it.next() {
            if !matches!(c, '.' | '!' | '?') {
                continue;
            }
            let mut end = i + c.len_utf8();
            while let Some(&(j, n)) = it.peek() {
                if matches!(n, '"' | '\'' | ')' | '\u{201d}' | '\u{2019}' | '.' | '!' | '?') {
                    end = j + n.len_utf8();
                    it.next();
                } else {
                    break;
                }
            }
            let rest = &line[end..];
            let trimmed = rest.trim_start();
            let next = trimmed.chars().next();
            if rest.len() != trimmed.len()
                && next.is_some_and(|n| n.is_uppercase() || n.is_numeric() || matches!(n, '"' | '\u{201c}' | '\''))
            {
                push_sentence(&mut out, &line[start..end]);
                start = end;
            }
        }
        push_sentence(&mut out, &line[start..]);
    }
    out.truncate(MAX_SENTENCES);
    out
}

fn push_sentence<'a>(out: &mut Vec<&'a str>, s: &'a str) {
    let s = s.trim();
    if s.chars().any(|c| c.is_alphanumeric()) {
        let cut = s.char_indices().nth(MAX_SENTENCE_CHARS).map_or(s.len(), |(i, _)| i);
        out.push(&s[..cut]);
    }
}

/// A list of cue words and phrases matched on whole lower-cased words.
#[derive(Debug, Clone, Default)]
pub struct Cues {
    singles: HashSet<String>,
    phrases: Vec<Vec<String>>,
}

impl Cues {
    pub fn from_table(t: &Table) -> Cues {
        let mut c = Cues::default();
        for key in t.keys_lower() {
            let w = words(&key);
            match w.len() {
                0 => {}
                1 => {
                    c.singles.insert(w.into_iter().next().unwrap_or_default());
                }
                _ => c.phrases.push(w),
            }
        }
        c
    }

    /// Token positions where a cue starts.
    pub fn positions(&self, toks: &[String]) -> Vec<usize> {
        let mut out = Vec::new();
        for i in 0..toks.len() {
            if self.singles.contains(&toks[i]) || self.phrases.iter().any(|p| toks[i..].starts_with(p)) {
                out.push(i);
            }
        }
        out
    }

    pub fn count(&self, toks: &[String]) -> usize {
        self.positions(toks).len()
    }
}

/// The built-in cue tables of `data/`.
pub struct Lexicon {
    pub refute: Cues,
    pub hedge: Cues,
    pub support: Cues,
    pub negation: Cues,
    stop: HashSet<String>,
    stemmer: Stemmer,
}

impl Lexicon {
    pub fn builtin() -> Lexicon {
        let t = |name, src| Table::builtin(name, src, 1);
        Lexicon {
            refute: Cues::from_table(&t("refute.tsv", include_str!("../data/refute.tsv"))),
            hedge: Cues::from_table(&t("hedge.tsv", include_str!("../data/hedge.tsv"))),
            support: Cues::from_table(&t("support.tsv", include_str!("../data/support.tsv"))),
            negation: Cues::from_table(&t("negation.tsv", include_str!("../data/negation.tsv"))),
            stop: t("stopwords.tsv", include_str!("../data/stopwords.tsv")).keys_lower().into_iter().collect(),
            stemmer: Stemmer::create(Algorithm::English),
        }
    }

    /// Content-word stems (stop words dropped), in text order.
    pub fn stems(&self, toks: &[String]) -> Vec<String> {
        toks.iter()
            .filter(|w| !self.stop.contains(w.as_str()) && (w.chars().count() > 1 || w.chars().all(|c| c.is_numeric())))
            .map(|w| self.stemmer.stem(w).into_owned())
            .collect()
    }
}

/// Inverse document frequencies of stems, estimated on a training corpus.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Idf {
    pub docs: usize,
    pub idf: HashMap<String, f32>,
}

impl Idf {
    /// Builds from documents given as stem lists; keeps stems seen in at least `min_df` documents.
    pub fn fit<'a>(docs: impl IntoIterator<Item = &'a [String]>, min_df: usize) -> Idf {
        let mut df: HashMap<&str, usize> = HashMap::new();
        let mut n = 0;
        for d in docs {
            n += 1;
            let set: HashSet<&str> = d.iter().map(|s| s.as_str()).collect();
            for s in set {
                *df.entry(s).or_default() += 1;
            }
        }
        let idf = df
            .into_iter()
            .filter(|&(_, c)| c >= min_df)
            .map(|(s, c)| (s.to_string(), (((n + 1) as f32) / ((c + 1) as f32)).ln() + 1.0))
            .collect();
        Idf { docs: n, idf }
    }

    /// Unseen stems are treated as rare (maximal idf).
    pub fn get(&self, stem: &str) -> f32 {
        self.idf.get(stem).copied().unwrap_or_else(|| ((self.docs + 1) as f32).ln() + 1.0)
    }

    /// L2-normalised tf-idf vector.
    pub fn vector(&self, stems: &[String]) -> HashMap<String, f32> {
        let mut v: HashMap<String, f32> = HashMap::new();
        for s in stems {
            *v.entry(s.clone()).or_default() += 1.0;
        }
        for (s, x) in v.iter_mut() {
            *x = (1.0 + x.ln()) * self.get(s);
        }
        let norm = v.values().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            v.values_mut().for_each(|x| *x /= norm);
        }
        v
    }
}

/// Dot product of two normalised sparse vectors.
pub fn sparse_cos(a: &HashMap<String, f32>, b: &HashMap<String, f32>) -> f32 {
    let (small, big) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    small.iter().filter_map(|(k, x)| big.get(k).map(|y| x * y)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_inner_apostrophes() {
        assert_eq!(words("He didn’t say 'no'—ever."), vec!["he", "didn't", "say", "no", "ever"]);
    }

    #[test]
    fn sentences_split_on_terminal_punctuation() {
        let s = sentences("Officials denied it. \"It is fake,\" he said. Is it? 3 people\nNew line e.g. here");
        assert_eq!(s, vec!["Officials denied it.", "\"It is fake,\" he said.", "Is it?", "3 people", "New line e.g. here"]);
        assert!(sentences("").is_empty());
        let long = "é".repeat(1000);
        assert_eq!(sentences(&long)[0].chars().count(), MAX_SENTENCE_CHARS);
    }

    #[test]
    fn cues_match_words_and_phrases() {
        let lex = Lexicon::builtin();
        let t = words("The report is not true, officials denied it; it was a hoax.");
        // "is not true" and "not true" overlap and both count, as in training.
        assert_eq!(lex.refute.count(&t), 4);
        assert!(lex.refute.count(&words("Denialism")) == 0);
        assert_eq!(lex.hedge.count(&words("He reportedly left, according to sources")), 2);
    }

    #[test]
    fn idf_and_cosine() {
        let lex = Lexicon::builtin();
        let d: Vec<Vec<String>> = ["the cat sat", "the dog ran", "cats sit"].iter().map(|s| lex.stems(&words(s))).collect();
        let idf = Idf::fit(d.iter().map(|v| v.as_slice()), 1);
        let a = idf.vector(&d[0]);
        assert!((sparse_cos(&a, &a) - 1.0).abs() < 1e-5);
        assert!(sparse_cos(&a, &idf.vector(&d[2])) > 0.0); // cat/cats share a stem
        assert_eq!(sparse_cos(&a, &idf.vector(&d[1])), 0.0);
    }
}

//! Word-level helpers: content stems, name keys, phrase matching. The knowledge they use
//! (stop words, titles, stance cues, wire credits) lives in `data/`.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use onrecord_core::lexicon::Table;
use rust_stemmers::{Algorithm, Stemmer};

pub struct Lexicon {
    stop: HashSet<String>,
    titles: HashSet<String>,
    pub relay: Vec<String>,
    pub question: Vec<String>,
    pub deny_content: Vec<String>,
    /// (agency, credit pattern)
    pub wire: Vec<(String, String)>,
    stemmer: Stemmer,
}

fn word_list(src: &str) -> HashSet<String> {
    src.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_lowercase)
        .collect()
}

/// The compiled-in tables, parsed once.
pub fn lexicon() -> &'static Lexicon {
    static LEX: OnceLock<Lexicon> = OnceLock::new();
    LEX.get_or_init(|| {
        let stance = Table::builtin("stance.tsv", include_str!("../data/stance.tsv"), 2);
        let pick = |k: &str| -> Vec<String> {
            stance
                .rows
                .iter()
                .filter(|r| r[0] == k)
                .map(|r| r[1].to_lowercase())
                .collect()
        };
        let wire = Table::builtin("wire.tsv", include_str!("../data/wire.tsv"), 2);
        Lexicon {
            stop: word_list(include_str!("../data/stopwords.txt")),
            titles: word_list(include_str!("../data/titles.tsv")),
            relay: pick("relay"),
            question: pick("question"),
            deny_content: pick("deny_content"),
            wire: wire
                .rows
                .iter()
                .map(|r| (r[0].clone(), r[1].clone()))
                .collect(),
            stemmer: Stemmer::create(Algorithm::English),
        }
    })
}

/// Words whose stems one thread keeps (cleared when full).
const STEM_MEMO: usize = 100_000;

/// Words of a text: runs of letters and digits, with inner apostrophes, hyphens and dots kept.
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || matches!(c, '\'' | '’' | '-' | '.')))
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
}

impl Lexicon {
    pub fn is_stop(&self, lower: &str) -> bool {
        self.stop.contains(lower)
    }

    /// Lemma-like stems of the content words of `text`, sorted and deduplicated.
    /// Memoised per word and thread ([`STEM_MEMO`] words at most): news repeats its words, and
    /// stemming was most of the cost of a claim key.
    pub fn content_stems(&self, text: &str) -> Vec<String> {
        thread_local! {
            static MEMO: RefCell<HashMap<String, Option<String>>> = RefCell::new(HashMap::new());
        }
        let mut out: Vec<String> = MEMO.with(|memo| {
            let mut memo = memo.borrow_mut();
            let mut out = vec![];
            for w in words(text) {
                let stem = match memo.get(w) {
                    Some(s) => s.clone(),
                    None => {
                        let s = self.content_stem(w);
                        if memo.len() >= STEM_MEMO {
                            memo.clear();
                        }
                        memo.insert(w.to_string(), s.clone());
                        s
                    }
                };
                out.extend(stem);
            }
            out
        });
        out.sort();
        out.dedup();
        out
    }

    /// The stem of one word of [`words`], or None for a word that is not a content word.
    fn content_stem(&self, w: &str) -> Option<String> {
        let lower = w.to_lowercase();
        let lower = lower.trim_end_matches("’s").trim_end_matches("'s");
        if lower.chars().count() < 2 || self.is_stop(lower) || lower.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        Some(self.stemmer.stem(lower).into_owned())
    }

    /// A cross-article key for a name: lowercase words without titles, a leading article,
    /// possessives or punctuation ("The Kremlin" -> "kremlin", "Dr. Jane Doe's" -> "jane doe").
    pub fn name_key(&self, name: &str) -> String {
        let mut toks: Vec<String> = words(name)
            .map(|w| {
                let l = w.to_lowercase();
                let l = l.trim_end_matches("’s").trim_end_matches("'s");
                l.trim_end_matches('.').to_string()
            })
            .filter(|w| !w.is_empty())
            .collect();
        if toks.first().is_some_and(|t| t == "the") {
            toks.remove(0);
        }
        // Titles go only from the front, and never the last word.
        while toks.len() > 1 && self.titles.contains(&toks[0]) {
            toks.remove(0);
        }
        toks.join(" ")
    }

    /// The name inside a source phrase: the last run of capitalised words before any comma,
    /// so "Kremlin spokesman Dmitry Peskov" gives "Dmitry Peskov". None if there is none.
    pub fn name_in_source(&self, source: &str) -> Option<String> {
        let head = source.split([',', '(']).next().unwrap_or("");
        let mut runs: Vec<Vec<&str>> = vec![];
        let mut cur: Vec<&str> = vec![];
        for w in head.split_whitespace() {
            let clean = w.trim_matches(|c: char| !c.is_alphanumeric());
            let cap = clean.chars().next().is_some_and(char::is_uppercase);
            if cap {
                cur.push(clean);
            } else if !cur.is_empty() {
                runs.push(std::mem::take(&mut cur));
            }
        }
        if !cur.is_empty() {
            runs.push(cur);
        }
        let run = runs.pop()?;
        let name = run.join(" ");
        let key = self.name_key(&name);
        (!key.is_empty()).then_some(name)
    }
}

/// True when `phrase` (lowercase) occurs in `hay` (lowercase) as whole words.
pub fn has_phrase(hay: &str, phrase: &str) -> bool {
    let mut from = 0;
    while let Some(i) = hay.get(from..).and_then(|h| h.find(phrase)) {
        let s = from + i;
        let e = s + phrase.len();
        let before = hay[..s]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let after = hay[e..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        if before && after {
            return true;
        }
        from = s + phrase.chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// Jaccard similarity of two sorted, deduplicated lists.
pub fn jaccard<T: Ord>(a: &[T], b: &[T]) -> f32 {
    if a.is_empty() && b.is_empty() {
        return 0.0;
    }
    let inter = intersection(a, b);
    inter as f32 / (a.len() + b.len() - inter) as f32
}

/// Size of the intersection of two sorted, deduplicated lists.
pub fn intersection<T: Ord>(a: &[T], b: &[T]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_names() {
        let l = lexicon();
        assert_eq!(l.name_key("The Kremlin"), "kremlin");
        assert_eq!(l.name_key("Dr. Jane Doe’s"), "jane doe");
        assert_eq!(l.name_key("Admiral Rob Bauer"), "rob bauer");
        assert_eq!(
            l.name_in_source("Kremlin spokesman Dmitry Peskov")
                .as_deref(),
            Some("Dmitry Peskov")
        );
        assert_eq!(
            l.name_in_source("Jane Roe, a company spokeswoman")
                .as_deref(),
            Some("Jane Roe")
        );
        assert_eq!(l.name_in_source("sources familiar with the matter"), None);
    }

    #[test]
    fn stems_and_phrases() {
        let l = lexicon();
        assert_eq!(
            l.content_stems("The calls were denied, reportedly."),
            vec!["call", "deni"]
        );
        assert!(has_phrase("this is not true.", "not true"));
        // Memoised stems are the stems: a second call (from the memo) and word by word agree.
        let text = "The Minister's calls were denied twice, reportedly; 2024 calls Calls o";
        let first = l.content_stems(text);
        assert_eq!(l.content_stems(text), first);
        let mut direct: Vec<String> = words(text).filter_map(|w| l.content_stem(w)).collect();
        direct.sort();
        direct.dedup();
        assert_eq!(first, direct);
        assert_eq!(first, vec!["call", "deni", "minist", "twice"]);
        assert!(!has_phrase("notable", "not"));
        assert_eq!(jaccard(&[1, 2, 3], &[2, 3, 4]), 0.5);
    }
}

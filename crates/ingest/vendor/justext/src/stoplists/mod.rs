use std::collections::HashSet;
use std::sync::LazyLock;

/// All embedded stoplists: (language_name, file_contents).
const STOPLISTS: &[(&str, &str)] = &[
    ("Afrikaans", include_str!("Afrikaans.txt")),
    ("Albanian", include_str!("Albanian.txt")),
    ("Arabic", include_str!("Arabic.txt")),
    ("Aragonese", include_str!("Aragonese.txt")),
    ("Armenian", include_str!("Armenian.txt")),
    ("Aromanian", include_str!("Aromanian.txt")),
    ("Asturian", include_str!("Asturian.txt")),
    ("Azerbaijani", include_str!("Azerbaijani.txt")),
    ("Basque", include_str!("Basque.txt")),
    ("Belarusian", include_str!("Belarusian.txt")),
    (
        "Belarusian_Taraskievica",
        include_str!("Belarusian_Taraskievica.txt"),
    ),
    ("Bengali", include_str!("Bengali.txt")),
    (
        "Bishnupriya_Manipuri",
        include_str!("Bishnupriya_Manipuri.txt"),
    ),
    ("Bosnian", include_str!("Bosnian.txt")),
    ("Breton", include_str!("Breton.txt")),
    ("Bulgarian", include_str!("Bulgarian.txt")),
    ("Catalan", include_str!("Catalan.txt")),
    ("Cebuano", include_str!("Cebuano.txt")),
    ("Chuvash", include_str!("Chuvash.txt")),
    ("Croatian", include_str!("Croatian.txt")),
    ("Czech", include_str!("Czech.txt")),
    ("Danish", include_str!("Danish.txt")),
    ("Dutch", include_str!("Dutch.txt")),
    ("English", include_str!("English.txt")),
    ("Esperanto", include_str!("Esperanto.txt")),
    ("Estonian", include_str!("Estonian.txt")),
    ("Finnish", include_str!("Finnish.txt")),
    ("French", include_str!("French.txt")),
    ("Galician", include_str!("Galician.txt")),
    ("Georgian", include_str!("Georgian.txt")),
    ("German", include_str!("German.txt")),
    ("Greek", include_str!("Greek.txt")),
    ("Gujarati", include_str!("Gujarati.txt")),
    ("Haitian", include_str!("Haitian.txt")),
    ("Hebrew", include_str!("Hebrew.txt")),
    ("Hindi", include_str!("Hindi.txt")),
    ("Hungarian", include_str!("Hungarian.txt")),
    ("Icelandic", include_str!("Icelandic.txt")),
    ("Ido", include_str!("Ido.txt")),
    ("Igbo", include_str!("Igbo.txt")),
    ("Indonesian", include_str!("Indonesian.txt")),
    ("Irish", include_str!("Irish.txt")),
    ("Italian", include_str!("Italian.txt")),
    ("Javanese", include_str!("Javanese.txt")),
    ("Kannada", include_str!("Kannada.txt")),
    ("Kazakh", include_str!("Kazakh.txt")),
    ("Korean", include_str!("Korean.txt")),
    ("Kurdish", include_str!("Kurdish.txt")),
    ("Kyrgyz", include_str!("Kyrgyz.txt")),
    ("Latin", include_str!("Latin.txt")),
    ("Latvian", include_str!("Latvian.txt")),
    ("Lithuanian", include_str!("Lithuanian.txt")),
    ("Lombard", include_str!("Lombard.txt")),
    ("Low_Saxon", include_str!("Low_Saxon.txt")),
    ("Luxembourgish", include_str!("Luxembourgish.txt")),
    ("Macedonian", include_str!("Macedonian.txt")),
    ("Malay", include_str!("Malay.txt")),
    ("Malayalam", include_str!("Malayalam.txt")),
    ("Maltese", include_str!("Maltese.txt")),
    ("Marathi", include_str!("Marathi.txt")),
    ("Neapolitan", include_str!("Neapolitan.txt")),
    ("Nepali", include_str!("Nepali.txt")),
    ("Newar", include_str!("Newar.txt")),
    ("Norwegian_Bokmal", include_str!("Norwegian_Bokmal.txt")),
    ("Norwegian_Nynorsk", include_str!("Norwegian_Nynorsk.txt")),
    ("Occitan", include_str!("Occitan.txt")),
    ("Persian", include_str!("Persian.txt")),
    ("Piedmontese", include_str!("Piedmontese.txt")),
    ("Polish", include_str!("Polish.txt")),
    ("Portuguese", include_str!("Portuguese.txt")),
    ("Quechua", include_str!("Quechua.txt")),
    ("Romanian", include_str!("Romanian.txt")),
    ("Russian", include_str!("Russian.txt")),
    ("Samogitian", include_str!("Samogitian.txt")),
    ("Serbian", include_str!("Serbian.txt")),
    ("Serbo_Croatian", include_str!("Serbo_Croatian.txt")),
    ("Sicilian", include_str!("Sicilian.txt")),
    ("Simple_English", include_str!("Simple_English.txt")),
    ("Slovak", include_str!("Slovak.txt")),
    ("Slovenian", include_str!("Slovenian.txt")),
    ("Spanish", include_str!("Spanish.txt")),
    ("Sundanese", include_str!("Sundanese.txt")),
    ("Swahili", include_str!("Swahili.txt")),
    ("Swedish", include_str!("Swedish.txt")),
    ("Tagalog", include_str!("Tagalog.txt")),
    ("Tamil", include_str!("Tamil.txt")),
    ("Telugu", include_str!("Telugu.txt")),
    ("Turkish", include_str!("Turkish.txt")),
    ("Turkmen", include_str!("Turkmen.txt")),
    ("Ukrainian", include_str!("Ukrainian.txt")),
    ("Urdu", include_str!("Urdu.txt")),
    ("Uzbek", include_str!("Uzbek.txt")),
    ("Vietnamese", include_str!("Vietnamese.txt")),
    ("Volapuk", include_str!("Volapuk.txt")),
    ("Walloon", include_str!("Walloon.txt")),
    ("Waray_Waray", include_str!("Waray_Waray.txt")),
    ("Welsh", include_str!("Welsh.txt")),
    ("West_Frisian", include_str!("West_Frisian.txt")),
    ("Western_Panjabi", include_str!("Western_Panjabi.txt")),
    ("Yoruba", include_str!("Yoruba.txt")),
];

/// Merged set of all stopwords from every language, cached.
static ALL_STOPLISTS: LazyLock<HashSet<String>> = LazyLock::new(|| {
    let mut set = HashSet::new();
    for (_, contents) in STOPLISTS {
        for word in parse_stoplist(contents) {
            set.insert(word);
        }
    }
    set
});

/// Parse a stoplist file: one word per line, lowercased, blank lines skipped.
fn parse_stoplist(contents: &str) -> HashSet<String> {
    contents
        .lines()
        .map(|line| line.trim())
        .filter(|line| !line.is_empty())
        .map(|word| word.to_lowercase())
        .collect()
}

/// Return the stoplist for a given language (case-insensitive match).
///
/// Returns `Err(JustextError::UnknownLanguage)` if the language is not recognized.
pub fn get_stoplist(language: &str) -> Result<HashSet<String>, crate::error::JustextError> {
    let language_lower = language.to_lowercase();
    STOPLISTS
        .iter()
        .find(|(name, _)| name.to_lowercase() == language_lower)
        .map(|(_, contents)| parse_stoplist(contents))
        .ok_or_else(|| crate::error::JustextError::UnknownLanguage(language.to_string()))
}

/// Return the merged set of all stopwords from every language.
pub fn get_all_stoplists() -> &'static HashSet<String> {
    &ALL_STOPLISTS
}

/// A set of lower-cased stopwords, as `justext()` asks it: is this lower-cased word a stopword?
///
/// onrecord patch: upstream takes a `&HashSet<String>` only, so a caller without a language had
/// to build the union of all 100 stoplists as one (~188,000 words lower-cased and hashed, about
/// 0.1 s of CPU once per process); `all_stoplists()` is the same set without that cost.
pub trait StopwordSet {
    /// True when `word` (already lower-cased) is in the set.
    fn contains_word(&self, word: &str) -> bool;
}

impl StopwordSet for HashSet<String> {
    fn contains_word(&self, word: &str) -> bool {
        self.contains(word)
    }
}

/// The union of every stoplist, the same words as `get_all_stoplists()`, as a sorted list made
/// by the build script (`build.rs`) and embedded in the binary: looked up by binary search, with
/// nothing built, lower-cased or hashed at run time.
#[derive(Debug)]
pub struct AllStoplists {
    /// Each word followed by `\n`, sorted.
    text: &'static str,
    /// Where each word starts in `text` (little-endian `u32`), then `text.len()`.
    starts: &'static [u8],
}

impl AllStoplists {
    /// Number of distinct words.
    pub fn len(&self) -> usize {
        (self.starts.len() / 4).saturating_sub(1)
    }

    /// True when there are no words.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn start(&self, i: usize) -> usize {
        self.starts
            .get(4 * i..4 * i + 4)
            .and_then(|b| b.try_into().ok())
            .map_or(0, |b| u32::from_le_bytes(b) as usize)
    }

    /// The `i`-th word in sorted order ("" past the end).
    pub fn word(&self, i: usize) -> &'static str {
        let (start, end) = (self.start(i), self.start(i + 1));
        self.text.get(start..end.saturating_sub(1).max(start)).unwrap_or("")
    }

    /// The words, sorted.
    pub fn words(&self) -> impl Iterator<Item = &'static str> + '_ {
        (0..self.len()).map(|i| self.word(i))
    }
}

impl StopwordSet for AllStoplists {
    fn contains_word(&self, word: &str) -> bool {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.word(mid).cmp(word) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return true,
            }
        }
        false
    }
}

static ALL_STOPLISTS_SORTED: AllStoplists = AllStoplists {
    text: include_str!(concat!(env!("OUT_DIR"), "/all_stopwords.txt")),
    starts: include_bytes!(concat!(env!("OUT_DIR"), "/all_stopwords.idx")),
};

/// The merged set of all stopwords from every language, without building a `HashSet`
/// (onrecord patch; see `StopwordSet`).
pub fn all_stoplists() -> &'static AllStoplists {
    &ALL_STOPLISTS_SORTED
}

/// Return the list of available language names.
pub fn available_languages() -> Vec<&'static str> {
    STOPLISTS.iter().map(|(name, _)| *name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_union_is_the_hashset_union() {
        let all = all_stoplists();
        let set = get_all_stoplists();
        assert_eq!(all.len(), set.len());
        let words: Vec<&str> = all.words().collect();
        assert!(words.windows(2).all(|w| w[0] < w[1]), "sorted, no duplicates");
        assert!(words.iter().all(|w| set.contains(*w)));
        assert!(set.iter().all(|w| all.contains_word(w)));
        assert!(all.len() > 100_000);
    }

    #[test]
    fn sorted_union_rejects_words_outside_it() {
        let all = all_stoplists();
        assert!(all.contains_word("the"));
        assert!(!all.contains_word("The"), "looked up lower-cased only, as upstream");
        assert!(!all.contains_word("zzqxjv"));
        assert!(!all.contains_word(""));
        assert_eq!(all.word(all.len()), "");
        assert!(all.contains_word(all.word(0)) && all.contains_word(all.word(all.len() - 1)));
    }
}

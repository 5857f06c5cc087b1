//! The linguistic knowledge of the entity layer, read from the tables in `data/`.

use std::sync::OnceLock;

use rustc_hash::{FxHashMap as HashMap, FxHashSet};

use onrecord_core::lexicon::Table;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gender {
    Male,
    Female,
    Neuter,
}

fn gender_of(s: &str) -> Option<Gender> {
    match s {
        "m" => Some(Gender::Male),
        "f" => Some(Gender::Female),
        "n" => Some(Gender::Neuter),
        _ => None,
    }
}

/// A role or title word ("spokesman", "President").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleWord {
    pub category: String,
    pub gender: Option<Gender>,
    /// Written before a name as a title ("Admiral Rob Bauer").
    pub title: bool,
    /// Also a common word ("General", "Major"): alone it does not make a title.
    pub ambiguous: bool,
    /// An honorific ("Mr."): tells the gender, but is not kept as a role.
    pub honorific: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    Subject,
    Object,
    Possessive,
    Reflexive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pronoun {
    pub gender: Option<Gender>,
    pub plural: bool,
    pub case: Case,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FuncClass {
    Det,
    Prep,
    Clause,
    Copula,
    Time,
    Ordinal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgWord {
    /// Ends an organisation's name ("Inc.", "Ministry").
    pub suffix: bool,
    /// Heads a description ("the company").
    pub noun: bool,
    pub category: String,
}

/// All tables, parsed once.
#[derive(Debug, Default)]
pub struct Lexicon {
    roles: HashMap<String, RoleWord>,
    modifiers: FxHashSet<String>,
    pronouns: HashMap<String, Pronoun>,
    /// The longest pronoun and the first bytes pronouns start with: most words are turned
    /// away by these before any hashing (the lookup runs on every word).
    pronoun_max: usize,
    pronoun_first: u128,
    func: HashMap<String, Vec<FuncClass>>,
    orgs: HashMap<String, OrgWord>,
    given: HashMap<String, Gender>,
}

const ROLES: &str = include_str!("../data/roles.tsv");
const PRONOUNS: &str = include_str!("../data/pronouns.tsv");
const FUNCTION_WORDS: &str = include_str!("../data/function_words.tsv");
const ORGS: &str = include_str!("../data/orgs.tsv");
const GIVEN_NAMES: &str = include_str!("../data/given_names.tsv");

/// Lower-cases a word and makes its apostrophes plain, so table keys match any spelling.
pub fn norm(word: &str) -> String {
    word.chars().map(|c| if onrecord_core::text::is_apostrophe(c) { '\'' } else { c }).flat_map(char::to_lowercase).collect()
}

/// Calls `f` with [`norm`]`(word)` built in a stack buffer: lookups run on every token, and
/// a String per lookup was most of the entity layer's allocation. Long words fall back to `norm`.
#[inline]
pub fn with_norm<R>(word: &str, f: impl FnOnce(&str) -> R) -> R {
    let mut buf = [0u8; 48];
    if word.len() > buf.len() {
        return f(&norm(word));
    }
    if word.is_ascii() {
        // ASCII: lower case byte by byte; the only ASCII apostrophe is already plain. Most
        // words have no capital: they are their own norm, with no copy to make.
        if !word.bytes().any(|b| b.is_ascii_uppercase()) {
            return f(word);
        }
        for (d, s) in buf.iter_mut().zip(word.bytes()) {
            *d = s.to_ascii_lowercase();
        }
        return match std::str::from_utf8(&buf[..word.len()]) {
            Ok(s) => f(s),
            Err(_) => f(&norm(word)),
        };
    }
    let mut len = 0;
    for c in word.chars().map(|c| if onrecord_core::text::is_apostrophe(c) { '\'' } else { c }).flat_map(char::to_lowercase) {
        let Some(slot) = buf.get_mut(len..len + c.len_utf8()) else { return f(&norm(word)) };
        c.encode_utf8(slot);
        len += c.len_utf8();
    }
    match std::str::from_utf8(&buf[..len]) {
        Ok(s) => f(s),
        Err(_) => f(&norm(word)),
    }
}

impl Lexicon {
    /// The built-in lexicon.
    pub fn get() -> &'static Lexicon {
        static LEX: OnceLock<Lexicon> = OnceLock::new();
        LEX.get_or_init(Lexicon::builtin)
    }

    fn builtin() -> Lexicon {
        let mut lex = Lexicon::default();
        for r in Table::builtin("roles.tsv", ROLES, 2).rows {
            let key = r[0].to_lowercase();
            let flags: Vec<&str> = r.get(3).map(|f| f.split(',').map(str::trim).collect()).unwrap_or_default();
            if r[1] == "modifier" {
                lex.modifiers.insert(key);
                continue;
            }
            lex.roles.entry(key).or_insert(RoleWord {
                category: r[1].clone(),
                gender: r.get(2).and_then(|g| gender_of(g)),
                title: flags.contains(&"title"),
                ambiguous: flags.contains(&"amb"),
                honorific: flags.contains(&"hon"),
            });
        }
        for r in Table::builtin("pronouns.tsv", PRONOUNS, 4).rows {
            let case = match r[3].as_str() {
                "subj" => Case::Subject,
                "obj" => Case::Object,
                "poss" => Case::Possessive,
                _ => Case::Reflexive,
            };
            lex.pronouns.insert(r[0].to_lowercase(), Pronoun { gender: gender_of(&r[1]), plural: r[2] == "pl", case });
        }
        for k in lex.pronouns.keys() {
            lex.pronoun_max = lex.pronoun_max.max(k.len());
            match k.bytes().next() {
                Some(b) if b.is_ascii() => lex.pronoun_first |= 1 << b,
                // A key starting outside ASCII: let every word through to the lookup.
                _ => lex.pronoun_first = u128::MAX,
            }
        }
        for r in Table::builtin("function_words.tsv", FUNCTION_WORDS, 2).rows {
            let class = match r[1].as_str() {
                "det" => FuncClass::Det,
                "prep" => FuncClass::Prep,
                "clause" => FuncClass::Clause,
                "copula" => FuncClass::Copula,
                "ordinal" => FuncClass::Ordinal,
                _ => FuncClass::Time,
            };
            lex.func.entry(r[0].to_lowercase()).or_default().push(class);
        }
        for r in Table::builtin("orgs.tsv", ORGS, 3).rows {
            let kind = r[1].as_str();
            lex.orgs.insert(
                r[0].to_lowercase(),
                OrgWord { suffix: kind != "noun", noun: kind != "suffix", category: r[2].clone() },
            );
        }
        for r in Table::builtin("given_names.tsv", GIVEN_NAMES, 2).rows {
            if let Some(g) = gender_of(&r[1]) {
                lex.given.insert(r[0].to_lowercase(), g);
            }
        }
        lex
    }

    /// The role word a token spells, trying "-elect"/"ex-" forms on their base
    /// ("president-elect" is in the table; "governor-designate" is found as "governor").
    pub fn role(&self, word: &str) -> Option<&RoleWord> {
        with_norm(word, |w| {
            if let Some(r) = self.roles.get(w) {
                return Some(r);
            }
            let bare = w.trim_end_matches('.');
            if let Some(r) = self.roles.get(bare) {
                return Some(r);
            }
            for (pre, post) in [("", "-elect"), ("", "-designate"), ("ex-", ""), ("co-", ""), ("vice-", "")] {
                if let Some(base) = bare.strip_prefix(pre).and_then(|b| b.strip_suffix(post)) {
                    if base.len() < bare.len() {
                        if let Some(r) = self.roles.get(base) {
                            return Some(r);
                        }
                    }
                }
            }
            None
        })
    }

    /// A role word that is a real role (not an honorific).
    pub fn role_noun(&self, word: &str) -> Option<&RoleWord> {
        self.role(word).filter(|r| !r.honorific)
    }

    pub fn is_modifier(&self, word: &str) -> bool {
        with_norm(word, |w| self.modifiers.contains(w))
    }

    pub fn pronoun(&self, word: &str) -> Option<Pronoun> {
        // An ASCII word keeps its length and its lower-cased first byte under `norm`.
        if word.is_ascii() {
            let first = word.bytes().next().map(|b| b.to_ascii_lowercase());
            if word.len() > self.pronoun_max || !first.is_some_and(|b| self.pronoun_first & (1 << b) != 0) {
                return None;
            }
        }
        with_norm(word, |w| self.pronouns.get(w).copied())
    }

    pub fn is(&self, word: &str, class: FuncClass) -> bool {
        with_norm(word, |w| self.func.get(w).is_some_and(|c| c.contains(&class)))
    }

    pub fn org_word(&self, word: &str) -> Option<&OrgWord> {
        with_norm(word, |w| self.orgs.get(w).or_else(|| self.orgs.get(w.trim_end_matches('.'))))
    }

    pub fn given_name(&self, word: &str) -> Option<Gender> {
        with_norm(word, |w| self.given.get(w).copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_parse_and_answer() {
        let l = Lexicon::get();
        assert!(l.role("spokesman").is_some());
        assert!(l.role("President").is_some_and(|r| r.title));
        assert!(l.role("President-elect").is_some());
        assert!(l.role("governor-designate").is_some());
        assert!(l.role("Mr.").is_some_and(|r| r.honorific && r.gender == Some(Gender::Male)));
        assert!(l.role_noun("Mr.").is_none());
        assert!(l.role("General").is_some_and(|r| r.ambiguous));
        assert!(l.role("said").is_none());
        assert!(l.is_modifier("former"));
        assert_eq!(l.pronoun("He").map(|p| p.case), Some(Case::Subject));
        assert_eq!(l.pronoun("her").and_then(|p| p.gender), Some(Gender::Female));
        assert!(l.is("with", FuncClass::Prep));
        assert!(l.is("that", FuncClass::Det) && l.is("that", FuncClass::Clause));
        assert!(l.org_word("Inc.").is_some_and(|o| o.suffix));
        assert!(l.org_word("company").is_some_and(|o| o.noun));
        assert_eq!(l.given_name("Mary"), Some(Gender::Female));
    }

    #[test]
    fn stack_norm_matches_norm() {
        let long = "x".repeat(60);
        for w in ["", "He", "he", "don't", "O’Neill", "ÉLYSÉE", "İstanbul", "DON'T", "ǅemal", long.as_str(), "ẞ", "Ⅻ"] {
            assert_eq!(with_norm(w, str::to_string), norm(w), "{w}");
        }
        let wide = "É".repeat(23); // fits in bytes only before lower-casing
        assert_eq!(with_norm(&wide, str::to_string), norm(&wide));
    }
}

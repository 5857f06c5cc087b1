//! Token-level helpers shared by the rules: words, capitals, sentences, possessives.

use onrecord_core::{Document, Span, TokenKind};

use crate::lexicon::{norm, FuncClass, Lexicon};

/// A document seen through its tokens, with the lexicon at hand.
pub(crate) struct Ctx<'a> {
    pub doc: &'a Document,
    pub lex: &'static Lexicon,
    /// Sentence index of each token.
    pub tok_sent: Vec<usize>,
    /// True for tokens inside a recogniser mention.
    pub in_mention: Vec<bool>,
    /// The clause start found last (`refer::clause_start`): (token, its sentence's first
    /// token, the clause start).
    pub clause_memo: std::cell::Cell<(usize, usize, usize)>,
}

/// Byte length of a possessive ending ("’s", "'s") on a word, if it has one.
pub(crate) fn possessive_len(word: &str) -> Option<usize> {
    let mut it = word.char_indices().rev();
    let (_, s) = it.next()?;
    let (ai, a) = it.next()?;
    let has_more = it.next().is_some();
    (has_more && (s == 's' || s == 'S') && onrecord_core::text::is_apostrophe(a)).then(|| word.len() - ai)
}

/// [`norm`] without dots. Names are keyed word by word, ~100 words per article: ASCII words, nearly
/// all of them, are lower-cased into one allocation (their only apostrophe is already plain).
pub(crate) fn key_of(word: &str) -> String {
    if word.is_ascii() {
        let mut out = String::with_capacity(word.len());
        out.extend(word.bytes().filter(|&b| b != b'.').map(|b| char::from(b.to_ascii_lowercase())));
        return out;
    }
    norm(word).chars().filter(|&c| c != '.').collect()
}

impl<'a> Ctx<'a> {
    pub fn new(doc: &'a Document) -> Ctx<'a> {
        let mut tok_sent = vec![usize::MAX; doc.tokens.len()];
        for (si, s) in doc.sentences.iter().enumerate() {
            for t in s.tokens.clone() {
                if let Some(x) = tok_sent.get_mut(t) {
                    *x = si;
                }
            }
        }
        let clause_memo = std::cell::Cell::new((usize::MAX, usize::MAX, usize::MAX));
        Ctx { doc, lex: Lexicon::get(), tok_sent, in_mention: vec![false; doc.tokens.len()], clause_memo }
    }

    pub fn n(&self) -> usize {
        self.doc.tokens.len()
    }

    /// The token's text, or "" past the end.
    pub fn text(&self, i: usize) -> &'a str {
        self.doc.tokens.get(i).map_or("", |t| t.span.text(&self.doc.text))
    }

    /// The token's text without a possessive ending.
    pub fn stem(&self, i: usize) -> &'a str {
        let t = self.text(i);
        match possessive_len(t) {
            Some(n) => t.get(..t.len() - n).unwrap_or(t),
            None => t,
        }
    }

    /// The token's lower-cased text without possessive ending or dots: the form names compare by.
    pub fn key(&self, i: usize) -> String {
        key_of(self.stem(i))
    }

    pub fn is_word(&self, i: usize) -> bool {
        self.doc.tokens.get(i).is_some_and(|t| t.kind == TokenKind::Word)
    }

    pub fn is_cap(&self, i: usize) -> bool {
        self.is_word(i) && self.text(i).chars().next().is_some_and(char::is_uppercase)
    }

    pub fn is_possessive(&self, i: usize) -> bool {
        self.is_word(i) && possessive_len(self.text(i)).is_some()
    }

    pub fn is(&self, i: usize, class: FuncClass) -> bool {
        self.is_word(i) && self.lex.is(self.text(i), class)
    }

    pub fn sent(&self, i: usize) -> usize {
        self.tok_sent.get(i).copied().unwrap_or(usize::MAX)
    }

    pub fn same_sent(&self, a: usize, b: usize) -> bool {
        a < self.n() && b < self.n() && self.sent(a) == self.sent(b) && self.sent(a) != usize::MAX
    }

    /// First token of token i's sentence.
    pub fn sent_first(&self, i: usize) -> usize {
        self.doc.sentences.get(self.sent(i)).map_or(i, |s| s.tokens.start)
    }

    /// One past the last token of token i's sentence.
    pub fn sent_end(&self, i: usize) -> usize {
        self.doc.sentences.get(self.sent(i)).map_or(i + 1, |s| s.tokens.end)
    }

    /// True for a comma, semicolon, colon, bracket, dash or quote mark: what ends a phrase.
    pub fn is_break(&self, i: usize) -> bool {
        match self.doc.tokens.get(i) {
            None => true,
            Some(t) if t.kind == TokenKind::QuoteMark => true,
            Some(t) if t.kind == TokenKind::Punct => {
                matches!(self.text(i), "," | ";" | ":" | "(" | ")" | "[" | "]" | "—" | "–" | "." | "!" | "?" | "…")
            }
            _ => false,
        }
    }

    /// Span from the start of token a to the end of token b (inclusive).
    pub fn span(&self, a: usize, b: usize) -> Span {
        let s = self.doc.tokens.get(a).map_or(0, |t| t.span.start);
        let e = self.doc.tokens.get(b).map_or(s, |t| t.span.end);
        Span::new(s, e.max(s))
    }

    /// Span of tokens a..=b without a possessive ending on b.
    pub fn span_no_poss(&self, a: usize, b: usize) -> Span {
        let mut sp = self.span(a, b);
        if let Some(n) = possessive_len(self.text(b)) {
            sp.end = sp.end.saturating_sub(n).max(sp.start);
        }
        sp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn possessive_endings() {
        assert_eq!(possessive_len("NATO’s"), Some("’s".len()));
        assert_eq!(possessive_len("Trump's"), Some(2));
        assert_eq!(possessive_len("’s"), None);
        assert_eq!(possessive_len("its"), None);
        assert_eq!(possessive_len(""), None);
    }

    #[test]
    fn keys_are_norms_without_dots() {
        for w in ["U.S.", "Peskov", "O'Brien", "O’Brien", "ÉLYSÉE", "St.-Pierre", "A.B.C", "", ".", "Dmitry", "İstanbul", "ǅemal"] {
            let general: String = norm(w).chars().filter(|&c| c != '.').collect();
            assert_eq!(key_of(w), general, "{w}");
        }
    }
}

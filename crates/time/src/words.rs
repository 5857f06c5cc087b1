//! The tagger's view of a sentence: core tokens, with hyphenated words split into pieces
//! ("fifty-year" -> "fifty" "year") and possessives split off ("today's" -> "today" "'s").

use std::borrow::Cow;

use onrecord_core::{Span, Token, TokenKind};

use crate::lexicon::Lexicon;

/// One piece of a token.
#[derive(Debug, Clone)]
pub struct W<'t> {
    /// Lower case, curly apostrophes straightened; borrowed from the text when it already is.
    pub lower: Cow<'t, str>,
    /// Vocabulary id of `lower` in the lexicon (`lexicon::UNKNOWN` for most words).
    pub id: u32,
    pub span: Span,
    pub kind: TokenKind,
    /// Starts with an upper-case letter.
    pub cap: bool,
    /// Joined by a hyphen to the previous piece (same token).
    pub hyph: bool,
}

fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

fn norm(s: &str) -> Cow<'_, str> {
    Cow::Owned(
        s.to_lowercase()
            .replace(['\u{2019}', '\u{2018}', '\u{02BC}'], "'"),
    )
}

/// Ends in `'s` / `'S` (ASCII bytes).
fn possessive(b: &[u8]) -> bool {
    matches!(b, [.., b'\'', b's' | b'S'])
}

/// `2008-03-01` and the like stay whole.
fn iso_like(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// A document's text with its ASCII-lower-cased copy (same bytes offsets), from which the
/// pieces of ASCII tokens borrow their lower case instead of allocating it.
#[derive(Debug, Clone, Copy)]
pub struct Text<'t> {
    pub text: &'t str,
    pub lower: &'t str,
}

impl<'t> Text<'t> {
    /// `s` is the span's text in `text`; ASCII spans borrow from `lower`.
    fn lower_of(&self, span: Span, s: &'t str) -> Cow<'t, str> {
        if s.is_ascii() {
            if let Some(l) = self.lower.get(span.start..span.end) {
                return Cow::Borrowed(l);
            }
        }
        norm(s)
    }
}

fn push_piece<'t>(
    out: &mut Vec<W<'t>>,
    lex: &Lexicon,
    text: Text<'t>,
    span: Span,
    kind: TokenKind,
    hyph: bool,
) {
    let s = span.text(text.text);
    let lower = text.lower_of(span, s);
    let cap = s.chars().next().is_some_and(char::is_uppercase);
    // A possessive 's is its own piece, so "today's" holds "today".
    if kind == TokenKind::Word && lower.len() > 2 && lower.ends_with("'s") {
        if let Some((pos, _)) = s.char_indices().rev().nth(1) {
            let base = Span::new(span.start, span.start + pos);
            let lower = text.lower_of(base, base.text(text.text));
            out.push(W {
                id: lex.id(&lower),
                lower,
                span: base,
                kind,
                cap,
                hyph,
            });
            out.push(W {
                lower: Cow::Borrowed("'s"),
                id: lex.id("'s"),
                span: Span::new(base.end, span.end),
                kind,
                cap: false,
                hyph: false,
            });
            return;
        }
    }
    out.push(W {
        id: lex.id(&lower),
        lower,
        span,
        kind,
        cap,
        hyph,
    });
}

/// Splits the tokens of one sentence into pieces.
#[cfg(test)]
pub fn pieces<'t>(text: Text<'t>, tokens: &[Token], lex: &Lexicon) -> Vec<W<'t>> {
    let mut out = Vec::with_capacity(tokens.len());
    pieces_into(text, tokens, lex, &mut out);
    out
}

/// [`pieces`] into `out` (cleared first), to reuse its buffer from sentence to sentence.
pub fn pieces_into<'t>(text: Text<'t>, tokens: &[Token], lex: &Lexicon, out: &mut Vec<W<'t>>) {
    out.clear();
    for t in tokens {
        let s = t.span.text(text.text);
        // Fast path for the common ASCII token without hyphen or possessive: the same piece
        // `push_piece` makes, without decoding chars.
        let b = s.as_bytes();
        if s.is_ascii() && !(t.kind == TokenKind::Word && (b.contains(&b'-') || possessive(b))) {
            if let Some(lower) = text.lower.get(t.span.start..t.span.end) {
                out.push(W {
                    id: lex.id(lower),
                    lower: Cow::Borrowed(lower),
                    span: t.span,
                    kind: t.kind,
                    cap: b.first().is_some_and(u8::is_ascii_uppercase),
                    hyph: false,
                });
                continue;
            }
        }
        if t.kind != TokenKind::Word || iso_like(s) || !s.chars().any(is_hyphen) {
            push_piece(out, lex, text, t.span, t.kind, false);
            continue;
        }
        let mut start = 0;
        let mut first = true;
        for (i, c) in s.char_indices().chain(std::iter::once((s.len(), '-'))) {
            if is_hyphen(c) {
                if i > start {
                    let piece = Span::new(t.span.start + start, t.span.start + i);
                    let kind = if piece.text(text.text).chars().all(|c| c.is_ascii_digit()) {
                        TokenKind::Number
                    } else {
                        TokenKind::Word
                    };
                    push_piece(out, lex, text, piece, kind, !first);
                    first = false;
                }
                start = i + c.len_utf8();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onrecord_core::text::tokenize;

    fn lows(t: &str) -> Vec<(String, bool)> {
        let toks = tokenize(t, Span::new(0, t.len()));
        let low = t.to_ascii_lowercase();
        let text = Text {
            text: t,
            lower: &low,
        };
        pieces(text, &toks, &Lexicon::builtin())
            .into_iter()
            .map(|w| (w.lower.into_owned(), w.hyph))
            .collect()
    }

    #[test]
    fn splits_hyphens_and_possessives() {
        let p = lows("a fifty-year life, today’s GM, 2008-03-01");
        let words: Vec<&str> = p.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(
            words,
            [
                "a",
                "fifty",
                "year",
                "life",
                ",",
                "today",
                "'s",
                "gm",
                ",",
                "2008-03-01"
            ]
        );
        assert!(p[2].1 && !p[1].1);
        let p = lows("TODAY'S news, Monday's");
        let words: Vec<&str> = p.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(words, ["today", "'s", "news", ",", "monday", "'s"]);
        let p = lows("mid-2011");
        assert_eq!(p.len(), 2);
    }
}

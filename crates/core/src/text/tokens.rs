use crate::layers::{Token, TokenKind};
use crate::Span;

/// Characters that can open or close a quotation.
pub fn is_quote_char(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{201C}' | '\u{201D}'
            | '\u{201E}' | '\u{201F}' | '\u{00AB}' | '\u{00BB}' | '\u{2039}' | '\u{203A}'
            | '\u{2032}' | '\u{2033}'
    )
}

/// Characters used as apostrophes (which are also single quote marks).
pub fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}')
}

fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

/// Splits `span` of `text` into tokens.
///
/// Words keep inner apostrophes (`it’s`, `NATO’s`), hyphens (`re-elected`) and abbreviation
/// dots (`U.S.`); a leading apostrophe before digits is a word (`’90s`). Every other quote
/// character is a `QuoteMark` token for the quote pairer to judge.
pub fn tokenize(text: &str, span: Span) -> Vec<Token> {
    let mut out = Vec::new();
    tokenize_into(text, span, &mut out);
    out
}

/// [`tokenize`], appending to `out`. Walks the text by byte offset, decoding characters as it
/// goes (no per-call buffer of characters).
pub fn tokenize_into(text: &str, span: Span, out: &mut Vec<Token>) {
    let s = span.text(text);
    // The character starting at byte `b` (a char boundary), if any.
    let at = |b: usize| s.get(b..).and_then(|r| r.chars().next());
    // The byte offset after the character at `b`.
    let after = |b: usize| b + at(b).map_or(0, char::len_utf8);
    let before = |b: usize| s[..b].chars().next_back();
    let pos = |b: usize| span.start + b;
    let bytes = s.as_bytes();
    out.reserve(s.len() / 5);
    let mut i = 0;
    while let Some(c) = at(i) {
        let i1 = i + c.len_utf8();
        if c.is_whitespace() || c.is_control() {
            i = i1;
            continue;
        }
        let start = i;
        // ’90s: an apostrophe standing for omitted digits, at the start of a word.
        let elided_year = is_apostrophe(c)
            && at(i1).is_some_and(|d| d.is_ascii_digit())
            && at(i1 + 1).is_some_and(|d| d.is_ascii_digit())
            && before(i).is_none_or(|p| !p.is_alphanumeric());
        if c.is_alphanumeric() || elided_year {
            i = i1;
            let mut only_single_letters = c.is_alphabetic();
            let mut seg_len = 1;
            loop {
                // A run of ASCII letters and digits: what the first branch below does for each
                // of them, at once.
                let run = bytes.get(i..).map_or(0, |r| r.iter().take_while(|b| b.is_ascii_alphanumeric()).count());
                if run > 0 {
                    seg_len += run;
                    only_single_letters = false;
                    i += run;
                }
                let Some(c) = at(i) else { break };
                let j = i + c.len_utf8();
                if c.is_alphanumeric() || c == '\u{00AD}' || is_combining(c) {
                    seg_len += 1;
                    if seg_len > 1 {
                        only_single_letters = false;
                    }
                    i = j;
                } else if (is_apostrophe(c) || is_hyphen(c)) && at(j).is_some_and(|d| d.is_alphanumeric()) {
                    i = j;
                } else if c == '.' && only_single_letters && seg_len == 1 {
                    // U.S. / U.K. / e.g.: single letters joined by dots, final dot included.
                    let next = at(j);
                    if next.is_some_and(|d| d.is_alphabetic())
                        && at(after(j)).is_none_or(|d| !d.is_alphanumeric() || d == '.')
                    {
                        i = after(j);
                        seg_len = 1;
                    } else if i > i1 {
                        // The final dot of the abbreviation (after more than one character); a
                        // possessive may follow.
                        i = j;
                        only_single_letters = false;
                        seg_len = 2;
                    } else {
                        break;
                    }
                } else if matches!(c, '.' | ',' | ':')
                    && before(i).is_some_and(|p| p.is_ascii_digit())
                    && at(j).is_some_and(|d| d.is_ascii_digit())
                {
                    i = j;
                } else {
                    break;
                }
            }
            let word = &s[start..i];
            let kind = if word.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b',' | b':')) {
                TokenKind::Number
            } else {
                TokenKind::Word
            };
            out.push(Token { span: Span::new(pos(start), pos(i)), kind });
            continue;
        }
        let kind = if is_quote_char(c) { TokenKind::QuoteMark } else { TokenKind::Punct };
        i = i1;
        out.push(Token { span: Span::new(pos(start), pos(i)), kind });
    }
}

fn is_combining(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x200D)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(t: &str) -> Vec<&str> {
        tokenize(t, Span::new(0, t.len())).iter().map(|x| x.span.text(t)).collect()
    }

    #[test]
    fn apostrophes_abbreviations_and_numbers() {
        assert_eq!(
            words("it’s NATO’s ’90s U.S.’s re-elected 2,500.5 e.g. Sen. “Hi”"),
            ["it’s", "NATO’s", "’90s", "U.S.’s", "re-elected", "2,500.5", "e.g.", "Sen", ".", "“", "Hi", "”"]
        );
    }

    #[test]
    fn sentence_final_dot_after_initials_kept_with_abbreviation() {
        assert_eq!(words("in the U.S. Then"), ["in", "the", "U.S.", "Then"]);
        assert_eq!(words("Plan A. Then"), ["Plan", "A", ".", "Then"]);
    }

    /// The first implementation (a vector of the span's characters, indexed by character),
    /// kept as the reference the byte-offset walk must agree with.
    fn tokenize_by_char_vector(text: &str, span: Span) -> Vec<Token> {
        let mut out = Vec::new();
        let s = span.text(text);
        let chars: Vec<(usize, char)> = s.char_indices().collect();
        let n = chars.len();
        let at = |i: usize| chars.get(i).map(|&(_, c)| c);
        let pos = |i: usize| if i < n { span.start + chars[i].0 } else { span.start + s.len() };
        let mut i = 0;
        while i < n {
            let c = chars[i].1;
            if c.is_whitespace() || c.is_control() {
                i += 1;
                continue;
            }
            let start = i;
            // ’90s: an apostrophe standing for omitted digits, at the start of a word.
            let elided_year = is_apostrophe(c)
                && at(i + 1).is_some_and(|d| d.is_ascii_digit())
                && at(i + 2).is_some_and(|d| d.is_ascii_digit())
                && (i == 0 || !chars[i - 1].1.is_alphanumeric());
            if c.is_alphanumeric() || elided_year {
                i += 1;
                let mut only_single_letters = c.is_alphabetic();
                let mut seg_len = 1;
                while i < n {
                    let c = chars[i].1;
                    let next = at(i + 1);
                    if c.is_alphanumeric() || c == '\u{00AD}' || is_combining(c) {
                        seg_len += 1;
                        if seg_len > 1 {
                            only_single_letters = false;
                        }
                        i += 1;
                    } else if (is_apostrophe(c) || is_hyphen(c)) && next.is_some_and(|d| d.is_alphanumeric()) {
                        i += 1;
                    } else if c == '.' && only_single_letters && seg_len == 1 {
                        // U.S. / U.K. / e.g.: single letters joined by dots, final dot included.
                        if next.is_some_and(|d| d.is_alphabetic())
                            && at(i + 2).is_none_or(|d| !d.is_alphanumeric() || d == '.')
                        {
                            i += 2;
                            seg_len = 1;
                        } else if i > start + 1 {
                            // The final dot of the abbreviation; a possessive may follow.
                            i += 1;
                            only_single_letters = false;
                            seg_len = 2;
                        } else {
                            break;
                        }
                    } else if matches!(c, '.' | ',' | ':')
                        && chars[i - 1].1.is_ascii_digit()
                        && next.is_some_and(|d| d.is_ascii_digit())
                    {
                        i += 1;
                    } else {
                        break;
                    }
                }
                let word = &s[chars[start].0..if i < n { chars[i].0 } else { s.len() }];
                let kind = if word.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | ':')) {
                    TokenKind::Number
                } else {
                    TokenKind::Word
                };
                out.push(Token { span: Span::new(pos(start), pos(i)), kind });
                continue;
            }
            let kind = if is_quote_char(c) { TokenKind::QuoteMark } else { TokenKind::Punct };
            i += 1;
            out.push(Token { span: Span::new(pos(start), pos(i)), kind });
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn byte_walk_tokenizes_as_the_char_vector(
            pre in "[a. ]{0,3}",
            body in "[aBé0-9 .,:'’‘ʼ\"“”«\\-‐‑\u{00AD}\u{0301}\u{200D}\n\t]{0,40}",
        ) {
            let t = format!("{pre}{body}");
            let span = Span::new(pre.len(), t.len());
            proptest::prop_assert_eq!(tokenize(&t, span), tokenize_by_char_vector(&t, span));
        }
    }

    #[test]
    fn kinds() {
        let t = "“Yes,” 45th 2024";
        let k: Vec<TokenKind> = tokenize(t, Span::new(0, t.len())).iter().map(|x| x.kind).collect();
        use TokenKind::*;
        assert_eq!(k, [QuoteMark, Word, Punct, QuoteMark, Word, Number]);
    }
}

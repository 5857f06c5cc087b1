use crate::layers::{Token, TokenKind};
use crate::Span;

/// Sentence boundaries within a paragraph, from `sentencex` with repairs.
///
/// sentencex knows abbreviations ("Sen.", "Jan. 5", "Dr.") and keeps closing quote marks with
/// the sentence they end. We repair what it cannot know about our tokens: a boundary is moved
/// to the nearest token boundary, a boundary inside a word is dropped, and a "sentence" that
/// starts with a lower-case word is joined to the one before (`“... yet,” he said.`).
#[derive(Debug, Default)]
pub struct SentenceSplitter;

impl SentenceSplitter {
    pub fn split(&self, text: &str, para: Span, tokens: &[Token]) -> Vec<Span> {
        if tokens.is_empty() {
            return Vec::new();
        }
        let ptext = para.text(text);
        // sentencex works on any text, but we never let a library panic take an article down.
        let raw = std::panic::catch_unwind(|| {
            sentencex::get_sentence_boundaries("en", ptext)
                .into_iter()
                .map(|b| (b.start_byte, b.end_byte))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
        // Candidate boundaries: sentence starts after the first, as absolute offsets.
        let mut starts: Vec<usize> = raw
            .iter()
            .skip(1)
            .filter(|&&(s, _)| s < ptext.len() && ptext.is_char_boundary(s))
            .map(|&(s, _)| para.start + s)
            .collect();
        starts.sort_unstable();
        starts.dedup();
        // Snap each boundary to a token start; drop those that fall inside a token.
        let mut cuts: Vec<usize> = Vec::new();
        for s in starts {
            let ti = tokens.partition_point(|t| t.span.end <= s);
            let Some(tok) = tokens.get(ti) else { continue };
            if tok.span.start < s {
                continue; // inside a token
            }
            if ti == 0 || !self.may_start(text, tokens, ti) {
                continue;
            }
            if cuts.last() != Some(&ti) {
                cuts.push(ti);
            }
        }
        // “…?” Bauer said. — a short tail after a quoted question or exclamation belongs to it.
        let ends: Vec<usize> = cuts.iter().skip(1).copied().chain(std::iter::once(tokens.len())).collect();
        let cuts: Vec<usize> = cuts
            .iter()
            .zip(ends)
            .filter(|&(&c, end)| !is_attribution_tail(text, tokens, c, end))
            .map(|(&c, _)| c)
            .collect();
        let mut out = Vec::with_capacity(cuts.len() + 1);
        let mut first = 0;
        for ti in cuts.into_iter().chain(std::iter::once(tokens.len())) {
            if ti > first {
                out.push(Span::new(tokens[first].span.start, tokens[ti - 1].span.end));
                first = ti;
            }
        }
        out
    }

    /// Whether a sentence may begin at token `ti`: the previous token ends a sentence
    /// (terminal punctuation, possibly followed by closing quote marks or brackets) and this
    /// one does not continue it in lower case.
    fn may_start(&self, text: &str, tokens: &[Token], ti: usize) -> bool {
        let tok = tokens[ti];
        let word = tok.span.text(text);
        let lower_start = word.chars().next().is_some_and(|c| c.is_lowercase());
        if lower_start && tok.kind == TokenKind::Word {
            return false;
        }
        // Look back over closing quotes and brackets for a terminator.
        let mut j = ti;
        while j > 0 {
            j -= 1;
            let t = tokens[j].span.text(text);
            match t {
                "." | "!" | "?" | "…" | "?!" => return true,
                _ if tokens[j].kind == TokenKind::QuoteMark || t == ")" || t == "]" => continue,
                _ => {
                    // "U.S." ends in a dot inside the token.
                    return t.ends_with('.') && tokens[j].kind == TokenKind::Word;
                }
            }
        }
        false
    }
}

/// True when tokens `start..end` are a short sentence tail such as "Bauer said." following a
/// quotation that closed with `?` or `!`.
fn is_attribution_tail(text: &str, tokens: &[Token], start: usize, end: usize) -> bool {
    if start < 2 || end <= start {
        return false;
    }
    let closes_quote = tokens[start - 1].kind == TokenKind::QuoteMark
        && matches!(tokens[start - 2].span.text(text), "?" | "!");
    let words = tokens[start..end].iter().filter(|t| t.kind == TokenKind::Word).count();
    let no_quote = tokens[start..end].iter().all(|t| t.kind != TokenKind::QuoteMark);
    let ends_plainly = tokens[end - 1].span.text(text) == ".";
    closes_quote && no_quote && ends_plainly && (2..=5).contains(&words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokenize;

    fn split(t: &str) -> Vec<&str> {
        let p = Span::new(0, t.len());
        SentenceSplitter.split(t, p, &tokenize(t, p)).iter().map(|s| s.text(t)).collect()
    }

    #[test]
    fn abbreviations_do_not_split() {
        assert_eq!(
            split("Mr. Smith said on Jan. 5 that the U.S. economy grew 2.5%. \"We won't stop,\" he added. Dr. Jones disagreed!"),
            [
                "Mr. Smith said on Jan. 5 that the U.S. economy grew 2.5%.",
                "\"We won't stop,\" he added.",
                "Dr. Jones disagreed!"
            ]
        );
    }

    #[test]
    fn closing_quote_stays_with_its_sentence() {
        assert_eq!(
            split("“There are no concrete plans yet.” Peskov left. Sen. Warren agreed."),
            ["“There are no concrete plans yet.”", "Peskov left.", "Sen. Warren agreed."]
        );
    }

    #[test]
    fn attribution_tail_after_quoted_question() {
        assert_eq!(
            split("“What does it mean for them?” Jones said. Then we left."),
            ["“What does it mean for them?” Jones said.", "Then we left."]
        );
    }

    #[test]
    fn possessive_abbreviation() {
        assert_eq!(
            split("He reminded him of the U.S.’s military presence in Europe. It was late."),
            ["He reminded him of the U.S.’s military presence in Europe.", "It was late."]
        );
    }
}

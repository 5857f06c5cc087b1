use crate::layers::{Paragraph, QuoteRegion, Token, TokenKind};
use crate::Span;

/// The kinds of quotation that pair with each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuoteFamily {
    /// “ ” „ " (and ‟)
    Double,
    /// ‘ ’ ‚ '
    Single,
    /// « » ‹ ›
    Guillemet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Open,
    Close,
    /// Could be either; decided by what is open.
    Either,
    /// Not a quote mark here (an apostrophe).
    None,
}

fn family(c: char) -> QuoteFamily {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\'' | '\u{2032}' => QuoteFamily::Single,
        '\u{00AB}' | '\u{00BB}' | '\u{2039}' | '\u{203A}' => QuoteFamily::Guillemet,
        _ => QuoteFamily::Double,
    }
}

fn is_open_context(c: Option<char>) -> bool {
    c.is_none_or(|c| c.is_whitespace() || "([{—–-/:;".contains(c) || super::is_quote_char(c))
}

fn is_close_context(c: Option<char>) -> bool {
    c.is_none_or(|c| c.is_whitespace() || ".,;:!?)]}—–-…".contains(c) || super::is_quote_char(c))
}

/// Decides what a mark can do from its shape and its neighbours.
fn role(c: char, prev: Option<char>, next: Option<char>) -> Role {
    let open_ctx = is_open_context(prev) && next.is_some_and(|n| !n.is_whitespace());
    let close_ctx = prev.is_some_and(|p| !p.is_whitespace()) && is_close_context(next);
    match c {
        '\u{201C}' | '\u{201E}' | '\u{201F}' | '\u{00AB}' | '\u{2039}' | '\u{201A}' | '\u{201B}' => Role::Open,
        '\u{2018}' => {
            if prev.is_some_and(|p| p.is_alphanumeric()) && next.is_some_and(|n| n.is_alphanumeric()) {
                Role::None
            } else {
                Role::Open
            }
        }
        '\u{201D}' | '\u{00BB}' | '\u{203A}' => {
            if open_ctx && !close_ctx {
                Role::Either
            } else {
                Role::Close
            }
        }
        // ’ and ' close a single quote only at a word's end; elsewhere they are apostrophes.
        '\u{2019}' | '\'' | '\u{2032}' => {
            if open_ctx && !close_ctx && c == '\'' {
                Role::Open
            } else if close_ctx {
                Role::Either
            } else {
                Role::None
            }
        }
        _ => {
            if open_ctx && !close_ctx {
                Role::Open
            } else if close_ctx && !open_ctx {
                Role::Close
            } else {
                Role::Either
            }
        }
    }
}

struct Open {
    mark: Span,
    opener: char,
    family: QuoteFamily,
    continues: Option<usize>,
}

/// Pairs quote marks into quoted regions, paragraph by paragraph.
///
/// Damage from an unbalanced mark stays inside its paragraph: a quote still open at a
/// paragraph's end either runs on (the next paragraph starts by reopening it, the newspaper
/// convention for multi-paragraph quotes) or is marked unbalanced and closed there.
pub fn pair_quotes(text: &str, paragraphs: &[Paragraph], tokens: &[Token]) -> Vec<QuoteRegion> {
    let mut regions: Vec<QuoteRegion> = Vec::new();
    // Region index of a depth-0 quote that ran off the end of the previous paragraph.
    let mut running: Option<(usize, QuoteFamily)> = None;
    let mut ti = 0;
    for p in paragraphs {
        // Tokens of this paragraph.
        while ti < tokens.len() && tokens[ti].span.start < p.span.start {
            ti += 1;
        }
        let first = ti;
        while ti < tokens.len() && tokens[ti].span.end <= p.span.end {
            ti += 1;
        }
        let ptoks = &tokens[first..ti];
        let mut stack: Vec<Open> = Vec::new();
        let mut pending_run = running.take();
        for (k, t) in ptoks.iter().enumerate() {
            if t.kind != TokenKind::QuoteMark {
                if k == 0 {
                    pending_run = None;
                }
                continue;
            }
            let c = t.span.text(text).chars().next().unwrap_or(' ');
            let prev = text[..t.span.start].chars().next_back().filter(|_| t.span.start > p.span.start);
            let next = text[t.span.end..].chars().next().filter(|_| t.span.end < p.span.end);
            let fam = family(c);
            let open_of_family = stack.iter().rposition(|o| o.family == fam);
            // “ closes a German „ quote, and a “ in closing position closes an open “ (a
            // common typo for ”).
            let german_close = c == '\u{201C}'
                && open_of_family.is_some_and(|i| {
                    stack[i].opener == '\u{201E}'
                        || (is_close_context(next) && !is_open_context(prev) && prev.is_some())
                });
            let r = match if german_close { Role::Close } else { role(c, prev, next) } {
                Role::Either if open_of_family.is_some() => Role::Close,
                Role::Either if fam == QuoteFamily::Single => Role::None,
                Role::Either => Role::Open,
                Role::Close if open_of_family.is_none() => Role::None,
                r => r,
            };
            // A second opening mark of the same family with nothing closing the first: the
            // first was a typo for a closing mark if it had text after it and this one is in
            // closing position; otherwise they nest.
            match r {
                Role::Open => {
                    let continues = match pending_run.take() {
                        Some((idx, f)) if k == 0 && f == fam => Some(idx),
                        _ => None,
                    };
                    if let Some(r) = continues.and_then(|i| regions.get_mut(i)) {
                        r.runs_on = true;
                        r.unbalanced = false;
                    }
                    stack.push(Open { mark: t.span, opener: c, family: fam, continues });
                }
                Role::Close => {
                    let Some(pos) = open_of_family else { continue };
                    // Inner quotes left open are unbalanced and end here.
                    while stack.len() > pos + 1 {
                        let o = stack.pop().expect("len checked");
                        push_region(&mut regions, o, None, t.span.start, stack.len(), true);
                    }
                    let o = stack.pop().expect("position found");
                    push_region(&mut regions, o, Some(t.span), t.span.end, stack.len(), false);
                }
                Role::Either | Role::None => {}
            }
            if k == 0 {
                pending_run = None;
            }
        }
        // Whatever is still open ends with the paragraph.
        while let Some(o) = stack.pop() {
            let depth = stack.len();
            let fam = o.family;
            let idx = push_region(&mut regions, o, None, p.span.end, depth, true);
            if depth == 0 {
                running = Some((idx, fam));
            }
        }
    }
    // Regions were pushed as they closed (inner before outer); order them by position and
    // re-point the `continues` links.
    let mut order: Vec<usize> = (0..regions.len()).collect();
    order.sort_by_key(|&i| (regions[i].span.start, std::cmp::Reverse(regions[i].span.end)));
    let mut new_index = vec![0; regions.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    order
        .iter()
        .map(|&i| {
            let mut r = regions[i];
            r.continues = r.continues.map(|c| new_index[c]);
            r
        })
        .collect()
}

fn push_region(
    regions: &mut Vec<QuoteRegion>,
    o: Open,
    close: Option<Span>,
    end: usize,
    depth: usize,
    unbalanced: bool,
) -> usize {
    regions.push(QuoteRegion {
        open: o.mark,
        close,
        span: Span::new(o.mark.start, end.max(o.mark.end)),
        depth: depth.min(u8::MAX as usize) as u8,
        continues: o.continues,
        runs_on: false,
        unbalanced,
    });
    regions.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{paragraphs, tokenize};

    fn regions(t: &str) -> Vec<QuoteRegion> {
        let paras = paragraphs(t);
        let toks: Vec<Token> = paras.iter().flat_map(|p| tokenize(t, p.span)).collect();
        pair_quotes(t, &paras, &toks)
    }

    fn texts(t: &str) -> Vec<&str> {
        regions(t).iter().map(|r| r.span.text(t)).collect()
    }

    #[test]
    fn curly_and_straight() {
        assert_eq!(texts("He said “no,” and \"yes.\" Then"), ["“no,”", "\"yes.\""]);
    }

    #[test]
    fn apostrophes_are_not_quotes() {
        assert_eq!(texts("It’s NATO’s ’90s rock and the leaders’ view, “ok”"), ["“ok”"]);
    }

    #[test]
    fn nested_and_foreign() {
        let t = "“He told me ‘never’ twice,” she said. «Oui» and „Ja“.";
        assert_eq!(texts(t), ["“He told me ‘never’ twice,”", "‘never’", "«Oui»", "„Ja“"]);
        let r = regions(t);
        assert_eq!(r[1].depth, 1);
    }

    #[test]
    fn multi_paragraph_quote_runs_on() {
        let t = "“First part of it.\n“Second part.” he said.\nNext.";
        let r = regions(t);
        assert_eq!(r.len(), 2);
        assert!(r[0].runs_on && !r[0].unbalanced && r[0].close.is_none());
        assert_eq!(r[1].continues, Some(0));
        assert_eq!(r[1].span.text(t), "“Second part.”");
    }

    #[test]
    fn unbalanced_mark_stays_in_its_paragraph() {
        let t = "He said “never mind.\nShe said “yes.”";
        let r = regions(t);
        assert_eq!(r.len(), 2);
        assert!(r[0].unbalanced);
        assert_eq!(r[1].span.text(t), "“yes.”");
    }
}

use crate::layers::Paragraph;
use crate::Span;

/// Splits text into paragraphs: each non-blank line is one.
///
/// News text comes both with one paragraph per line and with blank lines between paragraphs;
/// hard-wrapped text is rare in our inputs (extracted HTML, feeds, JSONL), so a line is a
/// paragraph. Spans are trimmed of surrounding whitespace.
pub fn paragraphs(text: &str) -> Vec<Paragraph> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c == '\n' || c == '\u{2029}' {
            push_trimmed(text, Span::new(start, i), &mut out);
            start = i + c.len_utf8();
        }
    }
    push_trimmed(text, Span::new(start, text.len()), &mut out);
    out
}

fn push_trimmed(text: &str, s: Span, out: &mut Vec<Paragraph>) {
    let t = s.trim(text);
    if !t.is_empty() {
        out.push(Paragraph { span: t });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_blank_lines() {
        let t = "Title\n\n  First para.  \r\nSecond.\n";
        let p: Vec<&str> = paragraphs(t).iter().map(|p| p.span.text(t)).collect();
        assert_eq!(p, ["Title", "First para.", "Second."]);
    }
}

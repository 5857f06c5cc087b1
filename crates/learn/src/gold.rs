//! Gold attributions (interchange JSON, code-point offsets) aligned to text-layer tokens as BIO ids.

use onrecord_core::{Document, Span};
use serde_json::Value;

/// Byte offset of each code point, plus the text length at the end.
fn byte_offsets(text: &str) -> Vec<usize> {
    let mut v: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    v.push(text.len());
    v
}

fn spans_of(v: Option<&Value>, bytes: &[usize]) -> Vec<Span> {
    let to_span = |p: &Value| -> Option<Span> {
        let a = p.get(0)?.as_u64()? as usize;
        let b = p.get(1)?.as_u64()? as usize;
        let (a, b) = (*bytes.get(a)?, *bytes.get(b)?);
        (a < b).then_some(Span::new(a, b))
    };
    match v {
        Some(Value::Array(a)) if a.first().is_some_and(Value::is_array) => a.iter().filter_map(to_span).collect(),
        Some(p @ Value::Array(_)) => to_span(p).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// BIO label ids for `doc.tokens` from the gold `quotes` of `gold` (one interchange object).
/// A token belongs to a span when it starts inside it; cue beats source beats content where
/// nested attributions overlap.
pub fn labels(doc: &Document, gold: &Value) -> Vec<usize> {
    let bytes = byte_offsets(&doc.text);
    let mut part = vec![0u8; doc.tokens.len()]; // 0 none, 1 source, 2 cue, 3 content
    let mut begin = vec![false; doc.tokens.len()];
    let quotes = gold.get("quotes").and_then(Value::as_array).cloned().unwrap_or_default();
    // Lowest priority first, so higher ones overwrite.
    for (key, id) in [("content", 3u8), ("source", 1), ("cue", 2)] {
        for q in &quotes {
            for s in spans_of(q.get(key), &bytes) {
                let mut first = true;
                for (t, tok) in doc.tokens.iter().enumerate() {
                    if s.contains_pos(tok.span.start) {
                        part[t] = id;
                        begin[t] = first;
                        first = false;
                    }
                }
            }
        }
    }
    let mut out = vec![0usize; part.len()];
    for t in 0..part.len() {
        let p = part[t] as usize;
        if p == 0 {
            continue;
        }
        let b = begin[t] || t == 0 || part[t - 1] != part[t];
        out[t] = 2 * p - usize::from(b); // B = 2p-1, I = 2p
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use onrecord_core::text::TextLayer;
    use onrecord_core::Component;

    #[test]
    fn aligns_code_points() {
        let text = "“Café,” she said.";
        let mut doc = Document::new("t", text);
        TextLayer::new().process(&mut doc).unwrap();
        let gold = serde_json::json!({"quotes": [{"content": [[0, 7]], "source": [8, 11], "cue": [12, 16]}]});
        let l = labels(&doc, &gold);
        let words: Vec<&str> = doc.tokens.iter().map(|t| doc.slice(t.span)).collect();
        assert_eq!(words, ["“", "Café", ",", "”", "she", "said", "."]);
        assert_eq!(l, vec![5, 6, 6, 6, 1, 3, 0]);
    }
}

//! The JSON boundary: documents out in the interchange format of `shared/eval/SCHEMA.md`.
//!
//! Inside, offsets are bytes; here, and only here, they become Unicode code point offsets.

use serde_json::{json, Map, Value};

use crate::{Document, MentionKind, Span};

/// Maps byte offsets of one text to code point offsets.
///
/// Stores only the positions of multi-byte characters, so ASCII text costs nothing and a
/// lookup is a binary search.
pub struct CharOffsets {
    /// (byte offset just after a multi-byte char, extra bytes so far).
    marks: Vec<(usize, usize)>,
}

impl CharOffsets {
    pub fn new(text: &str) -> Self {
        let mut marks = Vec::new();
        let mut extra = 0;
        for (i, c) in text.char_indices() {
            let n = c.len_utf8();
            if n > 1 {
                extra += n - 1;
                marks.push((i + n, extra));
            }
        }
        CharOffsets { marks }
    }

    /// Code point offset of byte offset `b` (which should be a char boundary).
    pub fn char_of(&self, b: usize) -> usize {
        let i = self.marks.partition_point(|&(end, _)| end <= b);
        let extra = if i == 0 { 0 } else { self.marks[i - 1].1 };
        b - extra
    }

    pub fn span(&self, s: Span) -> [usize; 2] {
        [self.char_of(s.start), self.char_of(s.end)]
    }
}

/// What to include besides the scored layers.
#[derive(Debug, Clone, Copy, Default)]
pub struct OutputOptions {
    /// Include the token layer (large).
    pub tokens: bool,
}

/// One document as an interchange JSON object.
pub fn to_json(doc: &Document, opts: OutputOptions) -> Value {
    let co = CharOffsets::new(&doc.text);
    let sp = |s: Span| json!(co.span(s));
    let opt_sp = |s: Option<Span>| s.map_or(Value::Null, |s| json!(co.span(s)));
    let mut o = Map::new();
    o.insert("id".into(), json!(doc.id));
    o.insert("text".into(), json!(doc.text));
    for (key, field) in [
        ("published", &doc.meta.published),
        ("publisher", &doc.meta.publisher),
        ("title", &doc.meta.title),
    ] {
        if let Some(f) = field {
            o.insert(key.into(), json!(f.value));
        }
    }
    o.insert("meta".into(), serde_json::to_value(&doc.meta).unwrap_or(Value::Null));
    o.insert("origin".into(), serde_json::to_value(&doc.origin).unwrap_or(Value::Null));
    o.insert("paragraphs".into(), doc.paragraphs.iter().map(|p| sp(p.span)).collect());
    o.insert("sentences".into(), doc.sentences.iter().map(|s| sp(s.span)).collect());
    if opts.tokens {
        o.insert("tokens".into(), doc.tokens.iter().map(|t| sp(t.span)).collect());
        o.insert(
            "quote_marks".into(),
            doc.quote_regions
                .iter()
                .map(|q| {
                    json!({"open": sp(q.open), "close": opt_sp(q.close), "span": sp(q.span),
                           "depth": q.depth, "continues": q.continues, "unbalanced": q.unbalanced})
                })
                .collect(),
        );
    }
    let entity_name = |i: usize| doc.entities.get(i).map(|e| doc.slice(e.name).to_string());
    let quotes: Vec<Value> = doc
        .attributions
        .iter()
        .map(|a| {
            json!({
                "kind": a.kind,
                "content": a.content.iter().map(|s| co.span(*s)).collect::<Vec<_>>(),
                "cue": opt_sp(a.cue),
                "source": opt_sp(a.source),
                "speaker": a.speaker.and_then(entity_name),
                "confidence": (a.confidence * 1000.0).round() / 1000.0,
                "source_kind": a.source_kind,
                "addressee": opt_sp(a.addressee),
                "hedges": a.hedges.iter().map(|s| co.span(*s)).collect::<Vec<_>>(),
                "polarity": a.polarity,
                "time": a.time.and_then(|t| doc.times.get(t)).map(|t| json!(t.value)),
            })
        })
        .collect();
    o.insert("quotes".into(), Value::Array(quotes));
    let entities: Vec<Value> = doc
        .entities
        .iter()
        .map(|e| {
            json!({
                "name": doc.slice(e.name),
                "type": e.kind,
                "roles": e.roles.iter().map(|r| json!({
                    "text": doc.slice(r.span), "span": co.span(r.span),
                    "affiliation": r.affiliation.map(|a| doc.slice(a)),
                })).collect::<Vec<_>>(),
                // `mentions` holds proper names only, as CoNLL-style scorers expect; descriptions
                // and pronouns that refer to the entity are listed apart.
                "mentions": e.mentions.iter().filter(|m| m.kind == MentionKind::Name)
                    .map(|m| co.span(m.span)).collect::<Vec<_>>(),
                "references": e.mentions.iter().filter(|m| m.kind != MentionKind::Name)
                    .map(|m| json!({"span": co.span(m.span), "kind": m.kind, "text": doc.slice(m.span)}))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    o.insert("entities".into(), Value::Array(entities));
    let times: Vec<Value> = doc
        .times
        .iter()
        .map(|t| {
            let mut m = json!({"span": co.span(t.span), "type": t.kind, "value": t.value,
                               "text": doc.slice(t.span)});
            if let Some(md) = &t.modifier {
                m["mod"] = json!(md);
            }
            if !t.resolved {
                m["resolved"] = json!(false);
            }
            m
        })
        .collect();
    o.insert("times".into(), Value::Array(times));
    Value::Object(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_offsets_skip_multibyte() {
        let t = "a’b“c”d";
        let co = CharOffsets::new(t);
        let b = t.find('d').unwrap();
        assert_eq!(co.char_of(b), 6);
        assert_eq!(co.char_of(0), 0);
        assert_eq!(co.char_of(t.len()), t.chars().count());
        let ascii = CharOffsets::new("plain");
        assert_eq!(ascii.char_of(3), 3);
    }
}

//! Finding proper-name mentions and their types (PERSON, ORG, GPE, ...).
//!
//! STUB interface (to be replaced by the trained tagger): capitalised word sequences.

use onrecord_core::{Document, EntityType, Span, TokenKind};

/// A proper-name mention found in the text, before clustering into entities.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NameMention {
    /// The name itself: no leading "the", no possessive "’s".
    pub span: Span,
    pub kind: EntityType,
    /// Tagger confidence, 0..1.
    pub score: f32,
}

/// Finds name mentions in a document that has the text layer.
#[derive(Debug, Default)]
pub struct Recognizer {}

impl Recognizer {
    /// The recogniser with its built-in model and gazetteers.
    pub fn load_default() -> Recognizer {
        Recognizer {}
    }

    pub fn recognize(&self, doc: &Document) -> Vec<NameMention> {
        let mut out = Vec::new();
        for s in &doc.sentences {
            let toks = &doc.tokens[s.tokens.clone()];
            let mut i = 0;
            while i < toks.len() {
                let cap = |t: &onrecord_core::Token| {
                    t.kind == TokenKind::Word && doc.slice(t.span).chars().next().is_some_and(|c| c.is_uppercase())
                };
                if cap(&toks[i]) && i > 0 {
                    let start = i;
                    while i < toks.len() && cap(&toks[i]) {
                        i += 1;
                    }
                    out.push(NameMention {
                        span: Span::new(toks[start].span.start, toks[i - 1].span.end),
                        kind: EntityType::Misc,
                        score: 0.1,
                    });
                } else {
                    i += 1;
                }
            }
        }
        out
    }
}

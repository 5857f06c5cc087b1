//! The text layer: paragraphs, sentences, tokens and quote marks.
//!
//! Four small steps, each usable alone, composed by [`TextLayer`] (the pipeline's first
//! component): [`paragraphs`] -> [`SentenceSplitter`] -> [`tokenize`] -> [`pair_quotes`].

mod paragraphs;
mod quotes;
mod sentences;
mod tokens;

pub use paragraphs::paragraphs;
pub use quotes::{pair_quotes, QuoteFamily};
pub use sentences::SentenceSplitter;
pub use tokens::{is_apostrophe, is_quote_char, tokenize, tokenize_into};

use crate::layers::Sentence;
use crate::pipeline::Component;
use crate::{Document, Error};

/// Adds paragraphs, sentences, tokens and paired quote marks to a document.
#[derive(Debug, Default)]
pub struct TextLayer {
    splitter: SentenceSplitter,
}

impl TextLayer {
    pub fn new() -> Self {
        TextLayer::default()
    }
}

/// A document of `text` with the text layer done: for tests and tools that need nothing more.
pub fn document(id: &str, text: &str) -> Document {
    let mut doc = Document::new(id, text);
    // The text layer accepts any text.
    let _ = TextLayer::new().process(&mut doc);
    doc
}

impl Component for TextLayer {
    fn name(&self) -> &'static str {
        "text"
    }

    fn process(&self, doc: &mut Document) -> Result<(), Error> {
        let text = doc.text.as_str();
        let paras = paragraphs(text);
        let mut sentences = Vec::new();
        // Room for the whole document's tokens at once (news prose: a token per ~4.6 bytes), so
        // each paragraph's reserve does not move every token before it again.
        let mut toks = Vec::with_capacity(text.len() / 4 + 16);
        for (pi, p) in paras.iter().enumerate() {
            // The paragraph's tokens go straight onto the document's.
            let base = toks.len();
            tokenize_into(text, p.span, &mut toks);
            let p_tokens = &toks[base..];
            for s in self.splitter.split(text, p.span, p_tokens) {
                let a = base + p_tokens.partition_point(|t| t.span.start < s.start);
                let b = base + p_tokens.partition_point(|t| t.span.end <= s.end);
                sentences.push(Sentence { span: s, tokens: a..b.max(a), paragraph: pi });
            }
        }
        doc.quote_regions = pair_quotes(text, &paras, &toks);
        doc.paragraphs = paras;
        doc.sentences = sentences;
        doc.tokens = toks;
        Ok(())
    }
}

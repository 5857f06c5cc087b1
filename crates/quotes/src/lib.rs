//! onrecord-quotes: who said what.
//!
//! [`AttributionLayer`] fills `Document::attributions` from the text layer's tokens, sentences
//! and paired quote marks, the entity layer (to resolve sources to speakers) and the time layer
//! (to date statements). The linguistic knowledge is in `data/*.tsv`; see `scripts/` for how
//! it was derived from PolNeAR train.

mod find;
pub mod lexicon;

use onrecord_core::{Component, Document, Error};

pub use lexicon::Lexicon;

/// The attribution component. Run after the text, entity and time layers.
#[derive(Debug)]
pub struct AttributionLayer {
    lex: Lexicon,
}

impl AttributionLayer {
    pub fn new() -> Self {
        AttributionLayer { lex: Lexicon::builtin() }
    }
}

impl Default for AttributionLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl Component for AttributionLayer {
    fn name(&self) -> &'static str {
        "quotes"
    }

    fn process(&self, doc: &mut Document) -> Result<(), Error> {
        let found = find::Finder::new(doc, &self.lex).run();
        doc.attributions = found;
        Ok(())
    }
}

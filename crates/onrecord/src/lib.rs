//! onrecord: the library. Assembles the default per-article pipeline from the analysis crates.
//!
//! ```
//! let pipeline = onrecord::default_pipeline();
//! let mut doc = onrecord::Document::new("d1", "“We will not back down,” Mayor Jane Ruiz said on Friday.");
//! pipeline.run(&mut doc).unwrap();
//! assert_eq!(doc.sentences.len(), 1);
//! assert_eq!(doc.attributions.len(), 1);
//! ```

pub use onrecord_core::*;
pub use onrecord_entities::EntityLayer;
pub use onrecord_quotes::{AttributionLayer, Continuations};
pub use onrecord_time::TimeTagger;

/// The default pipeline, in the order each layer needs the ones before it: text (paragraphs,
/// sentences, tokens, quote marks), entities (names, roles, references), times (TIMEX3), then
/// attributions (which resolve speakers through entities and attach times).
pub fn default_pipeline() -> Pipeline {
    pipeline(&Options::default())
}

/// Choices a user can make about the per-article analysis; `Default` is what `default_pipeline`
/// runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// How cue-less continuation quotes are recorded (annotation schemes differ).
    pub continuations: Continuations,
}

/// The default pipeline's layers, with the given options.
pub fn pipeline(options: &Options) -> Pipeline {
    Pipeline::new()
        .with(text::TextLayer::new())
        .with(EntityLayer::new())
        .with(TimeTagger::new())
        .with(AttributionLayer::new().with_continuations(options.continuations))
}

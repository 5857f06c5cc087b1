//! onrecord: the library. Assembles the default per-article pipeline from the analysis crates.
//!
//! ```
//! let pipeline = onrecord::default_pipeline();
//! let mut doc = onrecord::Document::new("d1", "“Yes,” she said.");
//! pipeline.run(&mut doc).unwrap();
//! assert_eq!(doc.sentences.len(), 1);
//! ```

pub use onrecord_core::*;

/// The default pipeline: text layer, then entities, times, and attributions.
pub fn default_pipeline() -> Pipeline {
    Pipeline::new().with(text::TextLayer::new())
}

//! onrecord-core: the document model and the per-article pipeline.
//!
//! A [`Document`] owns the original text; the [`text`] layer and every analysis component add
//! layers of [`Span`]s over it (see `layers`). [`Pipeline`] runs [`Component`]s in order.
//! [`interchange`] is the JSON boundary, where byte offsets become code point offsets.

pub mod document;
pub mod error;
pub mod interchange;
pub mod layers;
pub mod lexicon;
pub mod pipeline;
pub mod span;
pub mod text;

pub use document::{Document, Field, FieldSource, Metadata, Origin, Ymd};
pub use error::Error;
pub use layers::*;
pub use pipeline::{Component, Pipeline};
pub use span::Span;

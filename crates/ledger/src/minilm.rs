//! Claim vectors from all-MiniLM-L6-v2 (the `embeddings` feature).

use std::path::Path;

use onrecord_embed::Encoder;

use crate::claims::ClaimEncoder;
use crate::error::{LedgerError, Result};

/// Similarity ([`crate::claims::vector_similarity`]: cosine + 0.1 × entity Jaccard + 0.05 × same
/// date) two claims with MiniLM vectors must reach. On the pairs in examples/claim_pairs.rs
/// paraphrases of one statement had cosines 0.56–0.86 and different statements about the same
/// story 0.09–0.49; but on PolNeAR dev (one campaign, the same few names everywhere) single-link
/// chaining at 0.60 put 318 claims from 49 articles in one cluster, at 0.65 the largest is 40
/// (examples/claim_threshold.rs). 0.65 trades the loosest paraphrases for no runaway clusters.
pub const MINILM_THRESHOLD: f32 = 0.65;

/// Sentence embeddings of claim texts with all-MiniLM-L6-v2 (unit vectors, 384 floats).
pub struct MiniLmEncoder {
    inner: Encoder,
    threshold: f32,
}

impl MiniLmEncoder {
    /// The name vectors are stored under.
    pub const NAME: &'static str = "all-MiniLM-L6-v2";

    /// Loads the model from `dir`.
    pub fn load(dir: impl AsRef<Path>) -> Result<MiniLmEncoder> {
        Ok(MiniLmEncoder {
            inner: Encoder::load(dir).map_err(embed_err)?,
            threshold: MINILM_THRESHOLD,
        })
    }

    /// Loads the model from [`onrecord_embed::default_model_dir`].
    pub fn load_default() -> Result<MiniLmEncoder> {
        Self::load(onrecord_embed::default_model_dir())
    }

    /// True when the model files are in [`onrecord_embed::default_model_dir`].
    pub fn model_present() -> bool {
        onrecord_embed::model_present(&onrecord_embed::default_model_dir())
    }

    /// The same encoder with another clustering threshold.
    pub fn with_threshold(mut self, t: f32) -> MiniLmEncoder {
        self.threshold = t;
        self
    }
}

fn embed_err(e: onrecord_embed::EmbedError) -> LedgerError {
    LedgerError::Other(format!("claim embeddings: {e}"))
}

impl ClaimEncoder for MiniLmEncoder {
    fn name(&self) -> &str {
        Self::NAME
    }
    fn encode(&self, texts: &[&str]) -> Result<Option<Vec<Vec<f32>>>> {
        self.inner.encode(texts).map(Some).map_err(embed_err)
    }
    fn threshold(&self) -> f32 {
        self.threshold
    }
}

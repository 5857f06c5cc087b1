//! What the shared-data tests of this crate need before they run: the data file and the fetched
//! MiniLM. Each says why it skips.

use std::path::PathBuf;

/// `../shared/data/<rel>` when it is there and MiniLM is fetched; `None`, with the reason on
/// stderr, when either is missing.
pub fn shared_data_with_model(rel: &str) -> Option<PathBuf> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(rel);
    if !path.is_file() {
        eprintln!("SKIP: {} absent (shared data not mounted)", path.display());
        return None;
    }
    let model = onrecord_embed::default_model_dir();
    if !onrecord_embed::model_present(&model) {
        eprintln!("SKIP: no MiniLM model in {} (run scripts/fetch-models.sh)", model.display());
        return None;
    }
    Some(path)
}

//! What the shared-data tests of this crate need before they run: the data file and the fetched
//! MiniLM. Each says why it skips.

use std::io::Write;
use std::path::{Path, PathBuf};

use onrecord_core::interchange::{to_json, OutputOptions};
use onrecord_core::Pipeline;

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

/// Runs `pipeline` over the documents of `input` and writes their interchange JSON to a temporary
/// file named after `name` (the caller scores it, then removes it).
pub fn extract_to_temp(pipeline: &Pipeline, input: &Path, name: &str) -> PathBuf {
    let pred = std::env::temp_dir().join(format!("onrecord-learn-{name}-{}.jsonl", std::process::id()));
    let mut out = std::fs::File::create(&pred).expect("temp file");
    for d in onrecord_ingest::read_all(&[input.to_path_buf()]) {
        let mut doc = d.expect("readable document");
        pipeline.run(&mut doc).expect("pipeline");
        writeln!(out, "{}", to_json(&doc, OutputOptions::default())).expect("write");
    }
    pred
}

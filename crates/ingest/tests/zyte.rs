//! Main-text extraction on the Zyte article-extraction benchmark (181 pages), scored by
//! `onrecord-eval` (the Rust port of `shared/eval/score_extraction.py`, tested to agree with it).
//! Skipped when `../shared` is absent.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

fn shared() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"))
}

#[test]
fn zyte_main_text_f1() {
    let dir = shared().join("data/html-extraction/zyte");
    let gold_path = dir.join("ground-truth.json");
    let Ok(gold_src) = std::fs::read_to_string(&gold_path) else {
        println!("SKIPPED: {} not found (the shared data set is not available here)", gold_path.display());
        return;
    };
    let gold: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&gold_src).expect("ground-truth.json parses");
    let start = Instant::now();
    let mut pred: HashMap<String, String> = HashMap::new();
    let mut errors = 0;
    for d in onrecord_ingest::read_all(&[dir.join("html")]) {
        match d {
            Ok(d) => {
                pred.insert(d.id, d.text);
            }
            Err(e) => {
                errors += 1;
                println!("error: {e}");
            }
        }
    }
    let elapsed = start.elapsed();
    let r = onrecord_eval::score_extraction_docs(&gold, &pred, 0).expect("scoring");
    println!(
        "zyte: pages {} missing {} errors {errors} precision {:.4} recall {:.4} F1 {:.4} ({:.1} ms/page, debug builds are slower)",
        r.pages,
        r.pages_missing_in_pred,
        r.precision,
        r.recall,
        r.f1,
        elapsed.as_secs_f64() * 1000.0 / r.pages.max(1) as f64
    );
    assert!(r.f1 >= 0.94, "Zyte main-text F1 {:.4} is below 0.94", r.f1);
}

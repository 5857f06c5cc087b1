//! Golden test: the whole output of the default pipeline on an article we wrote for the purpose,
//! compared with the committed expectation. After an intended change, regenerate with
//! `UPDATE_GOLDEN=1 cargo test -p onrecord --test golden` and review the diff.

use std::path::PathBuf;

use onrecord::interchange::{to_json, OutputOptions};
use onrecord::{default_pipeline, Document, Field, FieldSource};

#[test]
fn harbour_strike_article() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let text = std::fs::read_to_string(dir.join("harbour-strike.txt")).unwrap();
    let mut doc = Document::new("harbour-strike", text);
    doc.meta.published = Some(Field::new("2025-03-12", FieldSource::User));
    default_pipeline().run(&mut doc).unwrap();
    let got = serde_json::to_string_pretty(&to_json(&doc, OutputOptions::default())).unwrap() + "\n";
    let path = dir.join("harbour-strike.golden.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).expect("golden file missing: run with UPDATE_GOLDEN=1");
    if got != want {
        let diff: Vec<String> = got
            .lines()
            .zip(want.lines())
            .enumerate()
            .filter(|(_, (g, w))| g != w)
            .take(15)
            .map(|(i, (g, w))| format!("line {}:\n  want {w}\n  got  {g}", i + 1))
            .collect();
        panic!("output differs from {}:\n{}", path.display(), diff.join("\n"));
    }
}

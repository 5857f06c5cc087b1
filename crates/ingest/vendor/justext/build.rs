//! onrecord patch: writes the union of every stoplist in `src/stoplists/` as one sorted,
//! deduplicated list (each lower-cased word followed by a newline) to
//! `$OUT_DIR/all_stopwords.txt`, and where each word starts (little-endian `u32`s, then the
//! length of the text) to `$OUT_DIR/all_stopwords.idx`, so that `stoplists::all_stoplists()`
//! needs no work at run time: it binary-searches the embedded list. Each file is read exactly as
//! `stoplists::parse_stoplist` reads it (lines, trimmed, blank lines skipped, `to_lowercase`);
//! a unit test checks that the result equals `get_all_stoplists()`.
use std::path::Path;

fn main() {
    let dir = Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR")).join("src/stoplists");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut words: Vec<String> = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("src/stoplists")
        .map(|e| e.expect("stoplist entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    for file in files {
        let contents = std::fs::read_to_string(&file).expect("stoplist file");
        words.extend(contents.lines().map(str::trim).filter(|w| !w.is_empty()).map(str::to_lowercase));
    }
    words.sort_unstable();
    words.dedup();
    let mut text = String::new();
    let mut index: Vec<u8> = Vec::with_capacity(4 * (words.len() + 1));
    for word in &words {
        index.extend_from_slice(&u32::try_from(text.len()).expect("stoplists under 4 GiB").to_le_bytes());
        text.push_str(word);
        text.push('\n');
    }
    index.extend_from_slice(&u32::try_from(text.len()).expect("stoplists under 4 GiB").to_le_bytes());
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).to_path_buf();
    std::fs::write(out.join("all_stopwords.txt"), text).expect("write all_stopwords.txt");
    std::fs::write(out.join("all_stopwords.idx"), index).expect("write all_stopwords.idx");
}

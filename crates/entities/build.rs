//! Decompresses the committed name-tagger model (`model/ner.bin`, gzip) into `OUT_DIR`, so the
//! binary embeds it raw: inflating it was half of the model's loading, itself the longest step
//! of every `onrecord` start (about 32 M instructions of 62 M).

use std::io::Read;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=model/ner.bin");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("ner.raw");
    let gz = std::fs::read("model/ner.bin").expect("model/ner.bin is committed");
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut raw).expect("model/ner.bin is gzip");
    std::fs::write(&out, raw).expect("writing the raw model into OUT_DIR");
}

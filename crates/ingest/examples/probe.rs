//! Prints what trafilatura returns for one HTML file (a debugging aid).
fn main() {
    let Some(p) = std::env::args().nth(1) else { return eprintln!("usage: probe FILE.html") };
    let bytes = std::fs::read(&p).unwrap_or_default();
    let html = onrecord_ingest::decode_html_bytes(&bytes, None);
    match trafilatura::extract(&html, &trafilatura::Options::default().with_fallback(true)) {
        Ok(r) => println!("TEXT:\n{}\n\nHTML:\n{}", r.content_text, r.content_html),
        Err(e) => println!("error: {e}"),
    }
}

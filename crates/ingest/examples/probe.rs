//! Debugging aid: `probe FILE.html` prints what trafilatura returns; `probe --time DIR` times
//! the stages of the HTML path over a directory of `.html.gz` pages; `probe --pages N DIR` runs
//! the whole HTML path (`extract_page`) over the first N pages, for callgrind; `probe --dump DIR`
//! prints `{"id", "text", "meta"}` a page (JSON Lines, for the extraction scorer and for diffs).
use std::io::Read;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--dump") {
        let Some(dir) = args.get(1) else { return eprintln!("usage: probe --dump DIR") };
        let mut names: Vec<_> = std::fs::read_dir(dir).map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
        names.sort();
        for (p, b) in names.iter().zip(read_pages(dir, usize::MAX)) {
            let id = p.file_name().and_then(|n| n.to_str()).unwrap_or("").trim_end_matches(".html.gz");
            let html = onrecord_ingest::decode_html_bytes(&b, None);
            let (text, meta) = match onrecord_ingest::html::extract_page(&html, &Default::default()) {
                Ok(p) => (p.text, format!("{:?}", p.meta)),
                Err(e) => (String::new(), e),
            };
            println!("{}", serde_json::json!({ "id": id, "text": text, "meta": meta }));
        }
        return;
    }
    if args.first().map(String::as_str) == Some("--pages") {
        let (Some(n), Some(dir)) = (args.get(1).and_then(|n| n.parse::<usize>().ok()), args.get(2)) else {
            return eprintln!("usage: probe --pages N DIR");
        };
        let pages = read_pages(dir, n);
        let t = Instant::now();
        let mut chars = 0;
        for b in &pages {
            let html = onrecord_ingest::decode_html_bytes(b, None);
            if let Ok(p) = onrecord_ingest::html::extract_page(&html, &Default::default()) {
                chars += p.text.len();
            }
        }
        println!("{} pages, {chars} bytes of text, {:.2} ms/page", pages.len(), t.elapsed().as_secs_f64() * 1000.0 / pages.len().max(1) as f64);
        return;
    }
    if args.first().map(String::as_str) == Some("--time") {
        let Some(dir) = args.get(1) else { return eprintln!("usage: probe --time DIR") };
        let pages = read_pages(dir, usize::MAX);
        let n = pages.len() as f64;
        let t = Instant::now();
        let htmls: Vec<String> = pages.iter().map(|b| onrecord_ingest::decode_html_bytes(b, None)).collect();
        println!("decode      {:.2} ms/page", t.elapsed().as_secs_f64() * 1000.0 / n);
        for fallback in [false, true] {
            let t = Instant::now();
            for h in &htmls {
                let _ = trafilatura::extract(h, &trafilatura::Options::default().with_fallback(fallback));
            }
            println!("trafilatura fallback={fallback} {:.2} ms/page", t.elapsed().as_secs_f64() * 1000.0 / n);
        }
        let t = Instant::now();
        for h in &htmls {
            let d = scraper::Html::parse_document(h);
            let _ = onrecord_ingest::html::page_metadata(&d, &Default::default());
        }
        println!("metadata    {:.2} ms/page", t.elapsed().as_secs_f64() * 1000.0 / n);
        return;
    }
    let Some(p) = args.first() else { return eprintln!("usage: probe FILE.html") };
    let bytes = std::fs::read(p).unwrap_or_default();
    let html = onrecord_ingest::decode_html_bytes(&bytes, None);
    match trafilatura::extract(&html, &trafilatura::Options::default().with_fallback(true)) {
        Ok(r) => println!("TEXT:\n{}\n\nHTML:\n{}", r.content_text, r.content_html),
        Err(e) => println!("error: {e}"),
    }
}

/// The first `n` `.html.gz` pages of `dir` in name order, gunzipped.
fn read_pages(dir: &str, n: usize) -> Vec<Vec<u8>> {
    let mut names: Vec<_> = std::fs::read_dir(dir).map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    names.sort();
    names
        .into_iter()
        .take(n)
        .map(|p| {
            let mut s = Vec::new();
            let f = std::fs::File::open(&p).expect("open");
            flate2::read::MultiGzDecoder::new(f).read_to_end(&mut s).expect("gunzip");
            s
        })
        .collect()
}

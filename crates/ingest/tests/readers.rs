//! Behaviour of each reader on small invented fixtures (`tests/fixtures/make_fixtures.py`).

use std::path::{Path, PathBuf};

use onrecord_core::{Document, FieldSource};
use onrecord_ingest::{read_all, read_path, IngestError};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn one(name: &str) -> Document {
    let mut docs: Vec<_> = read_path(&fixture(name)).collect();
    assert_eq!(docs.len(), 1, "{name}");
    match docs.remove(0) {
        Ok(d) => d,
        Err(e) => panic!("{name}: {e}"),
    }
}

fn val(f: &Option<onrecord_core::Field>) -> Option<(&str, FieldSource)> {
    f.as_ref().map(|f| (f.value.as_str(), f.source))
}

#[test]
fn html_json_ld_wins() {
    let d = one("jsonld.html");
    assert_eq!(d.id, "jsonld");
    assert_eq!(d.origin.format, "html");
    assert_eq!(val(&d.meta.title), Some(("Harbour board delays dredging of northern channel", FieldSource::JsonLd)));
    assert_eq!(val(&d.meta.published), Some(("2024-10-08T17:45:00+01:00", FieldSource::JsonLd)));
    // "By Staff" is not a name and is dropped; the real author stays.
    assert_eq!(val(&d.meta.byline), Some(("Ines Kovac", FieldSource::JsonLd)));
    assert_eq!(val(&d.meta.publisher), Some(("Westmere Gazette Ltd", FieldSource::JsonLd)));
    assert_eq!(val(&d.meta.site_name), Some(("Westmere Gazette", FieldSource::MetaTag)));
    assert_eq!(val(&d.meta.language), Some(("en-GB", FieldSource::JsonLd)));
    assert_eq!(val(&d.meta.url), Some(("https://gazette.example/news/harbour-board-delays-dredging", FieldSource::MetaTag)));
    // Main text: the paragraphs, one a line, without navigation or footer.
    assert!(d.text.contains("The harbour board of Westmere voted on Tuesday"), "{}", d.text);
    assert!(d.text.contains("\n\u{201c}We would rather wait") || d.text.contains("\u{201c}We would rather wait"));
    assert!(!d.text.contains("Privacy") && !d.text.contains("Sport"), "{}", d.text);
    assert!(d.text.lines().count() >= 5, "{}", d.text);
    assert!(d.text.lines().all(|l| !l.trim().is_empty()));
    // The headline is metadata, not body text.
    assert!(d.text.starts_with("The harbour board of Westmere"), "{}", d.text);
}

#[test]
fn html_meta_tags_and_declared_charset() {
    let d = one("meta-cp1252.html");
    assert_eq!(val(&d.meta.title), Some(("Le conseil du port reporte le dragage", FieldSource::MetaTag)));
    assert_eq!(val(&d.meta.published), Some(("2024-10-08T09:30:00+00:00", FieldSource::MetaTag)));
    assert_eq!(val(&d.meta.byline), Some(("Jean Dupré", FieldSource::MetaTag)));
    assert_eq!(val(&d.meta.publisher), Some(("Journal de Westmere", FieldSource::MetaTag)));
    assert_eq!(val(&d.meta.language), Some(("fr", FieldSource::MetaTag)));
    assert_eq!(val(&d.meta.url), Some(("https://journal.example/2024/10/08/dragage", FieldSource::MetaTag)));
    assert!(d.text.contains("Café et délai."), "{}", d.text);
    assert!(d.text.contains("\u{201c}We would rather"), "{}", d.text);
}

#[test]
fn html_time_element_and_bad_byline() {
    let d = one("time-element.html");
    assert_eq!(val(&d.meta.published), Some(("2024-03-05", FieldSource::TimeElement)));
    assert_eq!(d.meta.byline, None, "{:?}", d.meta.byline);
    assert_eq!(val(&d.meta.title), Some(("Port budget approved", FieldSource::TitleTag)));
}

#[test]
fn html_missing_date_stays_missing() {
    let d = one("no-date.html");
    assert_eq!(d.meta.published, None);
    assert_eq!(d.meta.byline, None, "{:?}", d.meta.byline);
    assert_eq!(val(&d.meta.url), Some(("https://example.org/explainers/dredging", FieldSource::MetaTag)));
    assert!(d.text.contains("revised schedule"));
}

#[test]
fn gzip_page_id_drops_both_extensions() {
    let d = one("gzipped.html.gz");
    assert_eq!(d.id, "gzipped");
    assert_eq!(val(&d.meta.published), Some(("2024-10-08T17:45:00+01:00", FieldSource::JsonLd)));
}

#[test]
fn invalid_utf8_is_decoded_without_panic() {
    let d = one("invalid-utf8.html");
    assert!(d.text.contains("Broken"), "{}", d.text);
    assert!(d.text.contains("must not stop the reader"));
}

#[test]
fn rss_entries() {
    let docs: Vec<Result<Document, IngestError>> = read_path(&fixture("news.rss")).collect();
    assert_eq!(docs.len(), 3);
    let a = docs[0].as_ref().expect("first entry");
    assert_eq!(a.id, "gazette-1");
    assert_eq!(a.origin.record, Some(1));
    assert_eq!(a.origin.format, "feed");
    assert_eq!(a.text, "The harbour board voted to delay the dredging.\n\u{201c}We would rather wait,\u{201d} the chair said.");
    assert_eq!(val(&a.meta.title), Some(("Harbour board delays dredging", FieldSource::Feed)));
    assert_eq!(val(&a.meta.published), Some(("2024-10-08T17:45:00+01:00", FieldSource::Feed)));
    assert_eq!(val(&a.meta.byline), Some(("Ines Kovac", FieldSource::Feed)));
    assert_eq!(val(&a.meta.url), Some(("https://gazette.example/news/1", FieldSource::Feed)));
    assert_eq!(val(&a.meta.publisher), Some(("Westmere Gazette - News", FieldSource::Feed)));
    assert_eq!(val(&a.meta.language), Some(("en-GB", FieldSource::Feed)));

    // A broken date is dropped, a "Staff" author too; HTML in the summary becomes text.
    let b = docs[1].as_ref().expect("second entry");
    assert_eq!(b.meta.published, None);
    assert_eq!(b.meta.byline, None);
    assert_eq!(b.text, "The winter ferry timetable starts on Monday.");
    assert_eq!(b.origin.record, Some(2));

    // An entry without text is an error naming file and entry.
    let e = docs[2].as_ref().expect_err("empty entry");
    assert_eq!(e.record, Some(3));
    assert!(e.path.ends_with("news.rss"));
}

#[test]
fn atom_entries() {
    let docs: Vec<_> = read_path(&fixture("news.atom")).collect();
    assert_eq!(docs.len(), 2);
    let a = docs[0].as_ref().expect("entry");
    assert_eq!(a.id, "urn:example:entry:1");
    assert_eq!(a.text, "Der Hafenrat hat die Arbeiten verschoben.\nDie Kosten steigen.");
    assert_eq!(val(&a.meta.published), Some(("2024-10-08T18:00:00+02:00", FieldSource::Feed)));
    assert_eq!(val(&a.meta.byline), Some(("Lena Vogt", FieldSource::Feed)));
    assert_eq!(val(&a.meta.publisher), Some(("Westmere Zeitung", FieldSource::Feed)));
    // `updated` is not a publication date.
    let b = docs[1].as_ref().expect("entry");
    assert_eq!(b.meta.published, None);
    assert_eq!(b.text, "Ein Eintrag ohne Veröffentlichungsdatum.");
}

#[test]
fn corrupt_warc_record_is_reported_and_reading_goes_on() {
    let docs: Vec<_> = read_path(&fixture("corrupt.warc")).collect();
    assert_eq!(docs.len(), 3, "{docs:?}");
    let a = docs[0].as_ref().expect("first record");
    assert_eq!(a.id, "00000000-0000-0000-0000-000000000001");
    assert_eq!(a.origin.record, Some(1));
    assert_eq!(a.origin.format, "warc");
    assert_eq!(val(&a.meta.url), Some(("https://gazette.example/2024/10/08/one", FieldSource::Warc)));
    assert_eq!(val(&a.meta.published), Some(("2024-10-08", FieldSource::Url)));
    assert!(a.text.contains("harbour board of Westmere"));
    let e = docs[1].as_ref().expect_err("corrupt record");
    assert_eq!(e.record, Some(2));
    assert!(e.to_string().contains("corrupt.warc:2"), "{e}");
    let c = docs[2].as_ref().expect("third record");
    assert_eq!(c.origin.record, Some(3));
    assert_eq!(c.id, "00000000-0000-0000-0000-000000000003");
}

/// Writes a WARC with the warc crate: a warcinfo record, a request, an HTML response in
/// ISO-8859-1 (declared in the HTTP header only), an image response and a 404.
fn write_warc(path: &Path, gzip: bool) {
    use warc::{Record, RecordType, WarcHeader, WarcWriter};
    let mut page = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=ISO-8859-1\r\n\r\n<html><head><title>Archived page</title>\
<meta property=\"article:published_time\" content=\"2024-10-08\"></head><body><article>"
        .to_vec();
    for i in 0..5 {
        page.extend_from_slice(format!("<p>Paragraph {i} of an archived article about the harbour board and its decision to wait, told in enough words to count as text.</p>").as_bytes());
    }
    page.extend_from_slice(b"<p>Caf\xe9 prices rose.</p></article></body></html>");
    let rec = |t: RecordType, uri: &str, ct: &str, body: Vec<u8>| {
        let mut r = Record::<warc::BufferedBody>::with_body(body);
        r.set_warc_type(t);
        r.set_header(WarcHeader::TargetURI, uri).expect("uri");
        r.set_header(WarcHeader::ContentType, ct).expect("ct");
        r
    };
    let records = vec![
        rec(RecordType::WarcInfo, "", "application/warc-fields", b"software: test\r\n".to_vec()),
        rec(RecordType::Request, "https://news.example/a", "application/http; msgtype=request", b"GET /a HTTP/1.1\r\n\r\n".to_vec()),
        rec(RecordType::Response, "https://news.example/a", "application/http; msgtype=response", page),
        rec(RecordType::Response, "https://news.example/i.png", "application/http; msgtype=response", b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n\r\n\x89PNG".to_vec()),
        rec(RecordType::Response, "https://news.example/gone", "application/http; msgtype=response", b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n\r\n<html>gone</html>".to_vec()),
    ];
    let mut bytes = Vec::new();
    {
        let mut w = WarcWriter::new(&mut bytes);
        for r in &records {
            w.write(r).expect("write record");
        }
    }
    if gzip {
        // One gzip member per record would be usual; one member for all reads the same.
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&bytes).expect("gzip");
        bytes = enc.finish().expect("gzip");
    }
    std::fs::write(path, bytes).expect("write warc");
}

#[test]
fn warc_written_by_the_warc_crate() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, gz) in [("crawl.warc", false), ("crawl.warc.gz", true)] {
        let p = dir.path().join(name);
        write_warc(&p, gz);
        let docs: Vec<_> = read_path(&p).collect();
        assert_eq!(docs.len(), 1, "{name}: {docs:?}");
        let d = docs[0].as_ref().expect("html response");
        assert_eq!(d.origin.record, Some(3));
        assert_eq!(val(&d.meta.url), Some(("https://news.example/a", FieldSource::Warc)));
        assert_eq!(val(&d.meta.published), Some(("2024-10-08", FieldSource::MetaTag)));
        assert!(d.text.contains("Café prices rose."), "{}", d.text);
        assert!(!d.id.is_empty() && !d.id.contains('<'), "{}", d.id);
    }
}

#[test]
fn text_over_the_limit_is_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("huge.txt");
    std::fs::write(&p, "a".repeat(onrecord_ingest::MAX_TEXT_BYTES + 1)).expect("write");
    let docs: Vec<_> = read_all(&[p]).collect();
    assert_eq!(docs.len(), 1);
    let e = docs[0].as_ref().expect_err("too big");
    assert!(e.message.contains("limit"), "{e}");
    assert_eq!(e.id.as_deref(), Some("huge"));
}

#[test]
fn a_directory_of_mixed_inputs() {
    let docs: Vec<_> = read_all(&[fixture("")]).collect();
    let ok = docs.iter().filter(|d| d.is_ok()).count();
    // 6 HTML pages + 2 RSS + 2 Atom + 2 WARC documents; errors: the empty RSS entry, the
    // corrupt WARC record, and the fixture script read as text is fine (it is a document).
    assert!(ok >= 12, "{ok} of {}", docs.len());
}

/// The deferred path (pages parsed by the caller, as `onrecord extract` does on its workers)
/// gives the same documents and errors, in the same order, as reading straight through.
#[test]
fn pending_items_finish_to_what_read_all_gives() {
    let inputs = vec![fixture("corrupt.warc"), fixture("jsonld.html"), fixture("invalid-utf8.html"), fixture("news.rss")];
    let items: Vec<_> = onrecord_ingest::read_all_pending(&inputs).collect();
    // WARC pages and HTML files wait to be parsed; the corrupt record's error is already known.
    assert!(items[0].is_deferred() && !items[1].is_deferred() && items[3].is_deferred());
    let finished: Vec<String> = items.into_iter().map(|p| format!("{:?}", p.finish())).collect();
    let direct: Vec<String> = read_all(&inputs).map(|r| format!("{r:?}")).collect();
    assert_eq!(finished, direct);
    assert!(finished.len() >= 5);
}

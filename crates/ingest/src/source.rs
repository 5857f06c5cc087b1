//! Turning command-line inputs (files, directories, `-`) into a stream of documents.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use onrecord_core::{Document, Origin};

use crate::jsonl::JsonlReader;
use crate::warc::WarcReader;
use crate::pending::{HtmlJob, Pending};
use crate::{feed, IngestError};

/// The input formats we read, decided by file extension (after `.gz`) or, for standard input,
/// by the first non-blank byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Jsonl,
    Html,
    Warc,
    Feed,
    /// `.xml`: a feed if it looks like one.
    Xml,
}

/// Extensions we recognise, stripped to make a document id from a file name.
const KNOWN_EXTENSIONS: &[&str] =
    &["gz", "txt", "text", "jsonl", "ndjson", "json", "html", "htm", "xhtml", "warc", "rss", "atom", "xml"];

/// The id of a document read from `path`: the file name without its known extensions
/// (`page.html.gz` -> `page`).
pub fn id_from_path(path: &Path) -> String {
    let mut name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    while let Some((stem, ext)) = name.rsplit_once('.') {
        if stem.is_empty() || !KNOWN_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()) {
            break;
        }
        name = stem.to_string();
    }
    if name.is_empty() {
        "stdin".into()
    } else {
        name
    }
}

/// The format of a file, by extension.
pub fn format_of(path: &Path) -> Format {
    let name = path.to_string_lossy().to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
        Format::Jsonl
    } else if name.ends_with(".html") || name.ends_with(".htm") || name.ends_with(".xhtml") {
        Format::Html
    } else if name.ends_with(".warc") {
        Format::Warc
    } else if name.ends_with(".rss") || name.ends_with(".atom") {
        Format::Feed
    } else if name.ends_with(".xml") {
        Format::Xml
    } else {
        Format::Text
    }
}

fn sniff(head: &[u8]) -> Format {
    let start = head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(head.len());
    let head = &head[start..];
    if head.starts_with(b"WARC/") {
        Format::Warc
    } else if head.starts_with(b"{") {
        Format::Jsonl
    } else if head.starts_with(b"<") {
        if feed::sniff_feed(head) {
            Format::Feed
        } else {
            Format::Html
        }
    } else {
        Format::Text
    }
}

/// Expands inputs: files as given, directories walked recursively in name order (hidden files
/// skipped). `-` stands for standard input.
pub fn expand(inputs: &[PathBuf]) -> Vec<Result<PathBuf, IngestError>> {
    let mut out = Vec::new();
    for p in inputs {
        walk(p, &mut out);
    }
    out
}

fn walk(p: &Path, out: &mut Vec<Result<PathBuf, IngestError>>) {
    if p.as_os_str() == "-" || !p.is_dir() {
        out.push(Ok(p.to_path_buf()));
        return;
    }
    match std::fs::read_dir(p) {
        Ok(rd) => {
            let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
            entries.sort();
            for e in entries {
                let hidden = e.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'));
                if !hidden {
                    walk(&e, out);
                }
            }
        }
        Err(e) => out.push(Err(IngestError::new(p.display().to_string(), None, format!("cannot read directory: {e}")))),
    }
}

fn is_gz(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

fn open(path: &Path) -> Result<Box<dyn BufRead + Send>, IngestError> {
    let shown = path.display().to_string();
    if path.as_os_str() == "-" {
        return Ok(Box::new(BufReader::new(std::io::stdin())));
    }
    let f = File::open(path).map_err(|e| IngestError::new(&shown, None, format!("cannot open: {e}")))?;
    Ok(if is_gz(path) {
        Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(f)))
    } else {
        Box::new(BufReader::with_capacity(1 << 16, f))
    })
}

/// Documents of one input file (or standard input), lazily. Documents whose text is over
/// [`crate::MAX_TEXT_BYTES`] come out as errors.
pub fn read_path(path: &Path) -> Box<dyn Iterator<Item = Result<Document, IngestError>> + Send> {
    Box::new(read_path_pending(path).map(Pending::finish))
}

/// Like [`read_path`], with HTML pages left unparsed ([`Pending::finish`] parses them), so that
/// a caller can parse them on its worker threads.
pub fn read_path_pending(path: &Path) -> Box<dyn Iterator<Item = Pending> + Send> {
    read_path_unchecked(path)
}

fn read_path_unchecked(path: &Path) -> Box<dyn Iterator<Item = Pending> + Send> {
    let shown = if path.as_os_str() == "-" { "-".to_string() } else { path.display().to_string() };
    let stem = id_from_path(path);
    let read_err = |e: std::io::Error| IngestError::new(&shown, None, format!("read error: {e}"));
    if is_gz(path) && format_of(path) == Format::Html {
        // A gzipped page is read as it is and gunzipped with its parsing, on a worker thread.
        let mut bytes = Vec::new();
        let read = File::open(path)
            .map_err(|e| IngestError::new(&shown, None, format!("cannot open: {e}")))
            .and_then(|mut f| f.read_to_end(&mut bytes).map_err(|e| read_err(e).with_id(stem.clone())));
        return Box::new(std::iter::once(match read {
            Ok(_) => Pending::Html(HtmlJob { bytes, gzipped: true, path: shown, id: stem, record: None, charset: None, url: None, format: "html" }),
            Err(e) => Pending::Ready(Err(e)),
        }));
    }
    let mut reader = match open(path) {
        Ok(r) => r,
        Err(e) => return Box::new(std::iter::once(Pending::Ready(Err(e)))),
    };
    let mut format = format_of(path);
    if path.as_os_str() == "-" || format == Format::Xml {
        format = match reader.fill_buf() {
            Ok(head) if format == Format::Xml => {
                if feed::sniff_feed(head) {
                    Format::Feed
                } else {
                    let msg = "XML file is not an RSS/Atom feed (no <rss>, <feed> or <rdf:RDF> element)";
                    return Box::new(std::iter::once(Pending::Ready(Err(IngestError::new(&shown, None, msg).with_id(stem)))));
                }
            }
            Ok(head) => sniff(head),
            Err(e) => return Box::new(std::iter::once(Pending::Ready(Err(read_err(e))))),
        };
    }
    match format {
        Format::Jsonl => Box::new(JsonlReader::new(reader, &shown, &stem).map(Pending::Ready)),
        Format::Warc => Box::new(WarcReader::new(reader, &shown, &stem).pending()),
        Format::Feed | Format::Xml => Box::new(feed::read_feed(reader, &shown, &stem).into_iter().map(Pending::Ready)),
        Format::Text | Format::Html => {
            let mut bytes = Vec::new();
            if let Err(e) = reader.read_to_end(&mut bytes) {
                return Box::new(std::iter::once(Pending::Ready(Err(read_err(e).with_id(stem)))));
            }
            let item = if format == Format::Html {
                Pending::Html(HtmlJob { bytes, gzipped: false, path: shown, id: stem, record: None, charset: None, url: None, format: "html" })
            } else {
                Pending::Ready(text_document(bytes, &shown, &stem))
            };
            Box::new(std::iter::once(item))
        }
    }
}

/// A plain-text file is one document; invalid UTF-8 is an error naming the byte offset.
fn text_document(bytes: Vec<u8>, path: &str, stem: &str) -> Result<Document, IngestError> {
    let text = String::from_utf8(bytes).map_err(|e| {
        IngestError::new(path, None, format!("not valid UTF-8 at byte {}", e.utf8_error().valid_up_to())).with_id(stem)
    })?;
    let mut doc = Document::new(stem, text);
    doc.origin = Origin { path: path.to_string(), record: None, format: "text".into() };
    Ok(doc)
}

/// Pages parsed together by [`read_all`]: enough to keep the cores busy, few enough that raw
/// pages held in memory stay small.
const PARSE_WINDOW: usize = 16;

/// Every document of every input, in order. HTML pages (files and WARC records) are parsed
/// [`PARSE_WINDOW`] at a time on the current rayon pool, so bulk readers (ledger ingest, the
/// server's upload) get the cores too; everything else is passed on as read.
pub fn read_all(inputs: &[PathBuf]) -> impl Iterator<Item = Result<Document, IngestError>> + Send {
    use rayon::prelude::*;
    let mut items = read_all_pending(inputs).peekable();
    let mut ready: std::collections::VecDeque<Result<Document, IngestError>> = Default::default();
    std::iter::from_fn(move || {
        if ready.is_empty() {
            let window: Vec<Pending> = items.by_ref().take(PARSE_WINDOW).collect();
            if window.iter().filter(|p| p.is_deferred()).count() > 1 {
                ready.extend(window.into_par_iter().map(Pending::finish).collect::<Vec<_>>());
            } else {
                ready.extend(window.into_iter().map(Pending::finish));
            }
        }
        ready.pop_front()
    })
}

/// Every item of every input, in order, with HTML pages left for [`Pending::finish`].
pub fn read_all_pending(inputs: &[PathBuf]) -> impl Iterator<Item = Pending> + Send {
    expand(inputs).into_iter().flat_map(|p| match p {
        Ok(p) => read_path_pending(&p),
        Err(e) => Box::new(std::iter::once(Pending::Ready(Err(e)))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_drop_known_extensions() {
        assert_eq!(id_from_path(Path::new("a/page.html.gz")), "page");
        assert_eq!(id_from_path(Path::new("kremlin-call.txt")), "kremlin-call");
        assert_eq!(id_from_path(Path::new("v1.2.report")), "v1.2.report");
    }

    #[test]
    fn formats() {
        assert_eq!(format_of(Path::new("x.jsonl.gz")), Format::Jsonl);
        assert_eq!(format_of(Path::new("x.HTML")), Format::Html);
        assert_eq!(sniff(b"  {\"id\":1}"), Format::Jsonl);
        assert_eq!(format_of(Path::new("crawl.warc.gz")), Format::Warc);
        assert_eq!(format_of(Path::new("news.rss")), Format::Feed);
        assert_eq!(format_of(Path::new("news.xml")), Format::Xml);
        assert_eq!(sniff(b"WARC/1.0\r\n"), Format::Warc);
        assert_eq!(sniff(b"<?xml version=\"1.0\"?><rss version=\"2.0\">"), Format::Feed);
        assert_eq!(sniff(b"<!DOCTYPE html><html>"), Format::Html);
        assert_eq!(id_from_path(Path::new("crawl.warc.gz")), "crawl");
    }
}

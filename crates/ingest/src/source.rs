//! Turning command-line inputs (files, directories, `-`) into a stream of documents.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use onrecord_core::{Document, Origin};

use crate::jsonl::JsonlReader;
use crate::{html, IngestError};

/// The input formats we read, decided by file extension (after `.gz`) or, for standard input,
/// by the first non-blank byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Jsonl,
    Html,
}

/// Extensions we recognise, stripped to make a document id from a file name.
const KNOWN_EXTENSIONS: &[&str] = &["gz", "txt", "text", "jsonl", "ndjson", "json", "html", "htm", "xhtml"];

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
    } else {
        Format::Text
    }
}

fn sniff(head: &[u8]) -> Format {
    match head.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Format::Jsonl,
        Some(b'<') => Format::Html,
        _ => Format::Text,
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

fn open(path: &Path) -> Result<Box<dyn BufRead + Send>, IngestError> {
    let shown = path.display().to_string();
    if path.as_os_str() == "-" {
        return Ok(Box::new(BufReader::new(std::io::stdin())));
    }
    let f = File::open(path).map_err(|e| IngestError::new(&shown, None, format!("cannot open: {e}")))?;
    let gz = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    Ok(if gz {
        Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(f)))
    } else {
        Box::new(BufReader::with_capacity(1 << 16, f))
    })
}

/// Documents of one input file (or standard input), lazily.
pub fn read_path(path: &Path) -> Box<dyn Iterator<Item = Result<Document, IngestError>> + Send> {
    let shown = if path.as_os_str() == "-" { "-".to_string() } else { path.display().to_string() };
    let stem = id_from_path(path);
    let mut reader = match open(path) {
        Ok(r) => r,
        Err(e) => return Box::new(std::iter::once(Err(e))),
    };
    let format = if path.as_os_str() == "-" {
        match reader.fill_buf() {
            Ok(head) => sniff(head),
            Err(e) => return Box::new(std::iter::once(Err(IngestError::new(&shown, None, format!("read error: {e}"))))),
        }
    } else {
        format_of(path)
    };
    match format {
        Format::Jsonl => Box::new(JsonlReader::new(reader, &shown, &stem)),
        Format::Text | Format::Html => {
            let mut bytes = Vec::new();
            if let Err(e) = reader.read_to_end(&mut bytes) {
                return Box::new(std::iter::once(Err(IngestError::new(&shown, None, format!("read error: {e}")))));
            }
            let doc = if format == Format::Html {
                html::read_html(&bytes, &shown, &stem)
            } else {
                text_document(bytes, &shown, &stem)
            };
            Box::new(std::iter::once(doc))
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

/// Every document of every input, in order.
pub fn read_all(inputs: &[PathBuf]) -> impl Iterator<Item = Result<Document, IngestError>> + Send {
    expand(inputs).into_iter().flat_map(|p| match p {
        Ok(p) => read_path(&p),
        Err(e) => Box::new(std::iter::once(Err(e))),
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
    }
}

//! JSON Lines input: one `{"id","text","published","publisher","title",...}` object a line.

use std::io::BufRead;

use onrecord_core::{Document, Field, FieldSource, Origin};
use serde::Deserialize;

use crate::IngestError;

#[derive(Deserialize)]
struct Record {
    id: Option<serde_json::Value>,
    text: Option<String>,
    published: Option<String>,
    publisher: Option<String>,
    title: Option<String>,
    url: Option<String>,
    byline: Option<String>,
    language: Option<String>,
}

/// Reads documents line by line; a bad line is an error for that line only.
pub struct JsonlReader<R> {
    reader: R,
    path: String,
    stem: String,
    line_no: u64,
    buf: Vec<u8>,
    done: bool,
}

impl<R: BufRead> JsonlReader<R> {
    pub fn new(reader: R, path: &str, stem: &str) -> Self {
        JsonlReader { reader, path: path.to_string(), stem: stem.to_string(), line_no: 0, buf: Vec::new(), done: false }
    }

    fn parse(&self, line: &str) -> Result<Document, IngestError> {
        let err = |m: String| IngestError::new(&self.path, Some(self.line_no), m);
        let r: Record = serde_json::from_str(line).map_err(|e| err(format!("not a JSON object: {e}")))?;
        let id = match r.id {
            Some(serde_json::Value::String(s)) => s,
            Some(serde_json::Value::Number(n)) => n.to_string(),
            Some(_) => return Err(err("\"id\" must be a string or number".into())),
            None => format!("{}-{}", self.stem, self.line_no),
        };
        let Some(text) = r.text else {
            return Err(err("no \"text\" field".into()).with_id(id));
        };
        let mut doc = Document::new(id, text);
        let field = |v: Option<String>| v.filter(|s| !s.trim().is_empty()).map(|s| Field::new(s, FieldSource::Jsonl));
        doc.meta.published = field(r.published);
        doc.meta.publisher = field(r.publisher);
        doc.meta.title = field(r.title);
        doc.meta.url = field(r.url);
        doc.meta.byline = field(r.byline);
        doc.meta.language = field(r.language);
        doc.origin = Origin { path: self.path.clone(), record: Some(self.line_no), format: "jsonl".into() };
        Ok(doc)
    }
}

impl<R: BufRead> Iterator for JsonlReader<R> {
    type Item = Result<Document, IngestError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        loop {
            self.buf.clear();
            self.line_no += 1;
            match self.reader.read_until(b'\n', &mut self.buf) {
                Ok(0) => return None,
                Ok(_) => {
                    let Ok(line) = std::str::from_utf8(&self.buf) else {
                        let msg = "line is not valid UTF-8";
                        return Some(Err(IngestError::new(&self.path, Some(self.line_no), msg)));
                    };
                    let line = line.trim();
                    if line.is_empty() {
                        continue;
                    }
                    return Some(self.parse(line));
                }
                Err(e) => {
                    // A read error (a truncated gzip stream, say) ends this file; what was read stays.
                    self.done = true;
                    return Some(Err(IngestError::new(&self.path, Some(self.line_no), format!("read error: {e}"))));
                }
            }
        }
    }
}

//! WARC archives (`.warc`, `.warc.gz`): every HTML `response` (or `resource`) record becomes a
//! document through the HTML path, with the WARC-Target-URI as its URL and the record number as
//! `origin.record`. Other records (requests, metadata, images, redirects) are skipped.
//!
//! A corrupt record is an error naming file and record number; reading resumes at the next line
//! that starts a record (`WARC/1.x`), so nothing already read is lost. A broken gzip stream or
//! a truncated file ends the file.

use std::io::{self, BufRead, Read};

use onrecord_core::{Document, Field, FieldSource};
use warc::{BufferedBody, Record, RecordType, WarcHeader};

use crate::charset::charset_param;
use crate::html::MAX_HTML_BYTES;
use crate::pending::{HtmlJob, Pending};
use crate::IngestError;

/// A `BufRead` that can put back one line, so that resynchronising on a `WARC/` line does not
/// lose the line, and that counts the bytes it hands out.
struct Pushback<R> {
    inner: R,
    back: Vec<u8>,
    pos: usize,
    consumed: u64,
}

impl<R: BufRead> Read for Pushback<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let buf = self.fill_buf()?;
            let n = buf.len().min(out.len());
            out[..n].copy_from_slice(&buf[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Pushback<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos < self.back.len() {
            Ok(&self.back[self.pos..])
        } else {
            self.inner.fill_buf()
        }
    }

    fn consume(&mut self, n: usize) {
        self.consumed += n as u64;
        if self.pos < self.back.len() {
            self.pos = (self.pos + n).min(self.back.len());
        } else {
            self.inner.consume(n);
        }
    }
}

/// Documents of one WARC stream (already decompressed).
pub struct WarcReader<R> {
    reader: Pushback<R>,
    path: String,
    stem: String,
    record: u64,
    done: bool,
}

impl<R: BufRead> WarcReader<R> {
    pub fn new(reader: R, path: &str, stem: &str) -> Self {
        WarcReader {
            reader: Pushback { inner: reader, back: Vec::new(), pos: 0, consumed: 0 },
            path: path.to_string(),
            stem: stem.to_string(),
            record: 0,
            done: false,
        }
    }

    fn err(&self, m: impl Into<String>) -> IngestError {
        IngestError::new(&self.path, Some(self.record), m)
    }

    /// Skips to the next line that starts a WARC record and puts that line back.
    fn resync(&mut self) -> io::Result<()> {
        let mut line = Vec::new();
        loop {
            line.clear();
            if self.reader.read_until(b'\n', &mut line)? == 0 {
                return Ok(());
            }
            if line.starts_with(b"WARC/") && line.get(5).is_some_and(u8::is_ascii_digit) {
                self.reader.back = std::mem::take(&mut line);
                self.reader.pos = 0;
                self.reader.consumed -= self.reader.back.len() as u64;
                return Ok(());
            }
        }
    }

    /// The document of an HTML record; `None` for records that hold no page.
    fn document(&self, rec: &Record<BufferedBody>) -> Option<Pending> {
        let warc_ct = rec.header(WarcHeader::ContentType).map(|c| c.to_ascii_lowercase()).unwrap_or_default();
        let (payload, content_type) = match rec.warc_type() {
            RecordType::Response if warc_ct.starts_with("application/http") => match http_payload(rec.body()) {
                Ok(Some(p)) => p,
                Ok(None) => return None,
                Err(m) => return Some(Pending::Ready(Err(self.err(m).with_id(self.id_of(rec))))),
            },
            RecordType::Resource | RecordType::Response => (rec.body().to_vec(), warc_ct.clone()),
            _ => return None,
        };
        if !is_html(&content_type, &payload) {
            return None;
        }
        let url = rec.header(WarcHeader::TargetURI).map(|u| u.trim().trim_matches(['<', '>']).to_string()).filter(|u| !u.is_empty());
        Some(Pending::Html(HtmlJob {
            bytes: payload,
            gzipped: false,
            path: self.path.clone(),
            id: self.id_of(rec),
            record: Some(self.record),
            charset: charset_param(&content_type).map(str::to_string),
            url: url.map(|u| Field::new(u, FieldSource::Warc)),
            format: "warc",
        }))
    }

    /// The document id: the record id without `<urn:uuid:...>` wrapping, else the URL, else
    /// the file stem and record number.
    fn id_of(&self, rec: &Record<BufferedBody>) -> String {
        let raw = rec.warc_id().trim().trim_matches(['<', '>']);
        let id = raw.strip_prefix("urn:uuid:").unwrap_or(raw);
        if !id.is_empty() {
            return id.to_string();
        }
        rec.header(WarcHeader::TargetURI)
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| format!("{}-{}", self.stem, self.record))
    }
}

impl<R: BufRead> WarcReader<R> {
    /// The records as [`Pending`] items: pages are handed out unparsed.
    pub fn pending(mut self) -> impl Iterator<Item = Pending> {
        std::iter::from_fn(move || self.next_pending())
    }

    fn next_pending(&mut self) -> Option<Pending> {
        while !self.done {
            if let Err(io) = skip_blank(&mut self.reader) {
                self.done = true;
                return Some(Pending::Ready(Err(self.err(format!("read error: {io}")))));
            }
            let before = self.reader.consumed;
            // A fresh parser per record over our reader, so that we keep the reader to
            // resynchronise after a bad record.
            let item = warc::WarcReader::new(&mut self.reader).iter_records().next();
            let Some(item) = item else {
                self.done = true;
                if self.reader.consumed > before {
                    self.record += 1;
                    return Some(Pending::Ready(Err(self.err("truncated record: file ends inside the WARC header"))));
                }
                return None;
            };
            self.record += 1;
            match item {
                Ok(rec) => {
                    if let Some(doc) = self.document(&rec) {
                        return Some(doc);
                    }
                }
                Err(e) => {
                    let msg = match &e {
                        warc::Error::ReadData(io) => format!("corrupt WARC record: read error: {io}"),
                        warc::Error::ParseHeaders(_) => "corrupt WARC record: unreadable header".to_string(),
                        other => format!("corrupt WARC record: {other}"),
                    };
                    match e {
                        // The stream itself failed (bad gzip, cut-off file): nothing more to read.
                        warc::Error::ReadData(_) | warc::Error::UnexpectedEOB => self.done = true,
                        _ => {
                            if let Err(io) = self.resync() {
                                self.done = true;
                                return Some(Pending::Ready(Err(self.err(format!("{msg}; then read error: {io}")))));
                            }
                        }
                    }
                    return Some(Pending::Ready(Err(self.err(msg))));
                }
            }
        }
        None
    }
}

impl<R: BufRead> Iterator for WarcReader<R> {
    type Item = Result<Document, IngestError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_pending().map(Pending::finish)
    }
}

/// Consumes blank space between records (extra line breaks would read as an empty header).
fn skip_blank(r: &mut impl BufRead) -> io::Result<()> {
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        let n = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let all = n == buf.len();
        r.consume(n);
        if !all {
            return Ok(());
        }
    }
}

/// Whether a payload is an HTML page, by Content-Type, or by its first bytes when none is given.
fn is_html(content_type: &str, payload: &[u8]) -> bool {
    let ct = content_type.to_ascii_lowercase();
    if ct.contains("html") {
        return true;
    }
    if !ct.trim().is_empty() {
        return false;
    }
    let head: Vec<u8> = payload.iter().take(1024).map(u8::to_ascii_lowercase).collect();
    head.windows(5).any(|w| w == b"<html") || head.windows(9).any(|w| w == b"<!doctype")
}

/// Splits an HTTP response into its decoded payload and Content-Type. `Ok(None)` for
/// responses that carry no page (not 2xx).
fn http_payload(body: &[u8]) -> Result<Option<(Vec<u8>, String)>, String> {
    let crlf = find(body, b"\r\n\r\n").map(|i| (i, i + 4));
    let lf = find(body, b"\n\n").map(|i| (i, i + 2));
    let (head_end, payload_start) = match (crlf, lf) {
        (Some(a), Some(b)) => {
            if a.0 <= b.0 {
                a
            } else {
                b
            }
        }
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => (body.len(), body.len()),
    };
    let head = String::from_utf8_lossy(&body[..head_end]);
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or("");
    if !status_line.starts_with("HTTP/") {
        return Err("response record without an HTTP status line".into());
    }
    let status: u16 = status_line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    if !(200..300).contains(&status) {
        return Ok(None);
    }
    let mut content_type = String::new();
    let mut chunked = false;
    let mut encoding = String::new();
    for l in lines {
        let Some((k, v)) = l.split_once(':') else { continue };
        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
        match k.as_str() {
            "content-type" => content_type = v.to_string(),
            "transfer-encoding" => chunked = v.to_ascii_lowercase().contains("chunked"),
            "content-encoding" => encoding = v.to_ascii_lowercase(),
            _ => {}
        }
    }
    let mut payload = body.get(payload_start..).unwrap_or(&[]).to_vec();
    if chunked {
        payload = dechunk(&payload).ok_or("bad chunked transfer encoding")?;
    }
    let limit = MAX_HTML_BYTES as u64 + 1;
    let decoded = match encoding.as_str() {
        "gzip" | "x-gzip" => Some(read_limited(flate2::read::MultiGzDecoder::new(&payload[..]), limit)),
        "deflate" => Some(read_limited(flate2::read::ZlibDecoder::new(&payload[..]), limit)),
        _ => None,
    };
    if let Some(d) = decoded {
        payload = d.map_err(|e| format!("bad {encoding} content encoding: {e}"))?;
    }
    Ok(Some((payload, content_type)))
}

fn read_limited(r: impl Read, limit: u64) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    r.take(limit).read_to_end(&mut out)?;
    Ok(out)
}

fn dechunk(mut b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let nl = find(b, b"\n")?;
        let line = std::str::from_utf8(&b[..nl]).ok()?;
        let size = usize::from_str_radix(line.split(';').next()?.trim(), 16).ok()?;
        b = &b[nl + 1..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(b.get(..size)?);
        b = b.get(size..)?;
        b = b.strip_prefix(b"\r\n").or_else(|| b.strip_prefix(b"\n")).unwrap_or(b);
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_split() {
        let body = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html>x</html>";
        let (p, ct) = http_payload(body).unwrap().unwrap();
        assert_eq!(p, b"<html>x</html>");
        assert_eq!(charset_param(&ct), Some("utf-8"));
        assert!(http_payload(b"HTTP/1.1 301 Moved\r\nLocation: x\r\n\r\n").unwrap().is_none());
        assert!(http_payload(b"garbage").is_err());
    }

    #[test]
    fn chunked() {
        assert_eq!(dechunk(b"5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n").as_deref(), Some(&b"hello world"[..]));
        assert_eq!(dechunk(b"zz\r\n"), None);
        assert_eq!(dechunk(b"ff\r\nshort"), None);
    }
}

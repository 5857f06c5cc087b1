//! Reading split from parsing: readers hand out HTML pages as [`HtmlJob`]s (the raw bytes and
//! what is known about them) so that the costly part, decoding, main-text extraction and
//! metadata, can run on worker threads while the reading stays in order on one thread.

use std::io::Read;

use flate2::read::MultiGzDecoder;
use onrecord_core::{Document, Field};

use crate::html::{read_html_with, HtmlHints};
use crate::{IngestError, MAX_TEXT_BYTES};

/// One item of an input: a document (or the error reading it), or a page still to parse.
// Items live only in small batches; boxing the document would cost an allocation per item.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Pending {
    Ready(Result<Document, IngestError>),
    Html(HtmlJob),
}

/// An HTML page read but not yet parsed.
#[derive(Debug)]
pub struct HtmlJob {
    /// The page, or its gzip file when [`HtmlJob::gzipped`] is set.
    pub bytes: Vec<u8>,
    /// `bytes` is a `.gz` file still to decompress: a page read from a `.html.gz` file is
    /// gunzipped by [`HtmlJob::parse`], in the parallel stage, not by the reader.
    pub gzipped: bool,
    /// The file it came from, as shown in errors.
    pub path: String,
    pub id: String,
    /// The record inside a container file (WARC), 1-based.
    pub record: Option<u64>,
    /// Charset label from an HTTP `Content-Type` header.
    pub charset: Option<String>,
    pub url: Option<Field>,
    /// `Origin::format` of the document ("html", "warc").
    pub format: &'static str,
}

impl HtmlJob {
    /// Decodes the page and extracts its main text and metadata.
    pub fn parse(self) -> Result<Document, IngestError> {
        let bytes = if self.gzipped {
            let mut page = Vec::with_capacity(self.bytes.len().saturating_mul(4));
            // The error the reader gave when it gunzipped the file itself.
            if let Err(e) = MultiGzDecoder::new(self.bytes.as_slice()).read_to_end(&mut page) {
                return Err(IngestError::new(&self.path, self.record, format!("read error: {e}")).with_id(self.id));
            }
            page
        } else {
            self.bytes
        };
        let hints = HtmlHints { charset: self.charset.as_deref(), url: self.url };
        let mut doc = read_html_with(&bytes, &self.path, &self.id, self.record, &hints)?;
        doc.origin.format = self.format.into();
        Ok(doc)
    }
}

impl Pending {
    /// The document: a page is parsed here. Documents whose text is over [`MAX_TEXT_BYTES`]
    /// come out as errors.
    pub fn finish(self) -> Result<Document, IngestError> {
        let doc = match self {
            Pending::Ready(d) => d?,
            Pending::Html(job) => job.parse()?,
        };
        if doc.text.len() > MAX_TEXT_BYTES {
            let msg = format!("article text of {} bytes is over the {} MB limit; not analysed", doc.text.len(), MAX_TEXT_BYTES >> 20);
            return Err(IngestError::new(doc.origin.path.clone(), doc.origin.record, msg).with_id(doc.id));
        }
        Ok(doc)
    }

    /// True when [`Pending::finish`] has real work to do (a page to parse).
    pub fn is_deferred(&self) -> bool {
        matches!(self, Pending::Html(_))
    }
}

impl From<Result<Document, IngestError>> for Pending {
    fn from(r: Result<Document, IngestError>) -> Self {
        Pending::Ready(r)
    }
}

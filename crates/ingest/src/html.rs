//! HTML pages: main text and metadata. (Being implemented.)

use onrecord_core::Document;

use crate::IngestError;

pub fn read_html(_bytes: &[u8], path: &str, stem: &str) -> Result<Document, IngestError> {
    Err(IngestError::new(path, None, "HTML input is not supported yet").with_id(stem))
}

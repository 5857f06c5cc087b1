//! Parquet export of every quote: typed columns, one row group per 8,192 quotes, so memory stays
//! bounded however large the ledger. Written with parquet's column writers (no Arrow).

use std::io::Write;
use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

use crate::error::{LedgerError, Result};
use crate::query::{QuoteFilter, QuoteRow};
use crate::Ledger;

const ROW_GROUP: usize = 8192;

const SCHEMA: &str = "message quote {
    REQUIRED INT64 id;
    REQUIRED BYTE_ARRAY article (UTF8);
    OPTIONAL BYTE_ARRAY outlet (UTF8);
    OPTIONAL BYTE_ARRAY published (UTF8);
    OPTIONAL BYTE_ARRAY url (UTF8);
    OPTIONAL BYTE_ARRAY title (UTF8);
    REQUIRED BYTE_ARRAY kind (UTF8);
    OPTIONAL BYTE_ARRAY speaker (UTF8);
    OPTIONAL BYTE_ARRAY source (UTF8);
    REQUIRED BYTE_ARRAY source_kind (UTF8);
    OPTIONAL BYTE_ARRAY cue (UTF8);
    OPTIONAL BYTE_ARRAY addressee (UTF8);
    REQUIRED BYTE_ARRAY content (UTF8);
    REQUIRED BYTE_ARRAY hedges (UTF8);
    REQUIRED BYTE_ARRAY polarity (UTF8);
    REQUIRED BYTE_ARRAY stance (UTF8);
    OPTIONAL BYTE_ARRAY time (UTF8);
    OPTIONAL INT64 claim;
    OPTIONAL INT64 denies;
    OPTIONAL BYTE_ARRAY copy_of (UTF8);
}";

fn pq(e: parquet::errors::ParquetError) -> LedgerError {
    LedgerError::Other(format!("parquet: {e}"))
}

/// One column's values, in schema order.
enum Col {
    Int(Vec<Option<i64>>),
    Text(Vec<Option<String>>),
}

fn columns(rows: &[QuoteRow]) -> Vec<Col> {
    let t = |f: &dyn Fn(&QuoteRow) -> Option<String>| Col::Text(rows.iter().map(f).collect());
    let i = |f: &dyn Fn(&QuoteRow) -> Option<i64>| Col::Int(rows.iter().map(f).collect());
    vec![
        i(&|q| Some(q.id)),
        t(&|q| Some(q.article.clone())),
        t(&|q| q.outlet.clone()),
        t(&|q| q.published.clone()),
        t(&|q| q.url.clone()),
        t(&|q| q.title.clone()),
        t(&|q| Some(q.kind.clone())),
        t(&|q| q.speaker.clone()),
        t(&|q| q.source.clone()),
        t(&|q| Some(q.source_kind.clone())),
        t(&|q| q.cue.clone()),
        t(&|q| q.addressee.clone()),
        t(&|q| Some(q.content.clone())),
        t(&|q| Some(q.hedges.join("|"))),
        t(&|q| Some(q.polarity.clone())),
        t(&|q| Some(q.stance.clone())),
        t(&|q| q.time.clone()),
        i(&|q| q.claim),
        i(&|q| q.denies),
        t(&|q| q.copy_of.clone()),
    ]
}

fn write_group<W: Write + Send>(w: &mut SerializedFileWriter<W>, rows: &[QuoteRow]) -> Result<()> {
    let mut rg = w.next_row_group().map_err(pq)?;
    for col in columns(rows) {
        let Some(mut cw) = rg.next_column().map_err(pq)? else {
            break;
        };
        // Definition levels: 1 where a value is present (required columns ignore them).
        match col {
            Col::Int(v) => {
                let defs: Vec<i16> = v.iter().map(|x| i16::from(x.is_some())).collect();
                let vals: Vec<i64> = v.into_iter().flatten().collect();
                cw.typed::<Int64Type>()
                    .write_batch(&vals, Some(&defs), None)
                    .map_err(pq)?;
            }
            Col::Text(v) => {
                let defs: Vec<i16> = v.iter().map(|x| i16::from(x.is_some())).collect();
                let vals: Vec<ByteArray> = v
                    .into_iter()
                    .flatten()
                    .map(|s| ByteArray::from(s.into_bytes()))
                    .collect();
                cw.typed::<ByteArrayType>()
                    .write_batch(&vals, Some(&defs), None)
                    .map_err(pq)?;
            }
        }
        cw.close().map_err(pq)?;
    }
    rg.close().map_err(pq)?;
    Ok(())
}

impl Ledger {
    /// Writes every quote as a Parquet file to `out`; returns the number of quotes.
    pub fn export_parquet<W: Write + Send>(&self, out: W) -> Result<u64> {
        let schema = Arc::new(parse_message_type(SCHEMA).map_err(pq)?);
        let props = Arc::new(
            WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .build(),
        );
        let mut w = SerializedFileWriter::new(out, schema, props).map_err(pq)?;
        let mut buf: Vec<QuoteRow> = Vec::with_capacity(ROW_GROUP);
        let mut n = 0u64;
        self.for_each_quote(&QuoteFilter::default(), &mut |q| {
            buf.push(q);
            n += 1;
            if buf.len() == ROW_GROUP {
                write_group(&mut w, &buf)?;
                buf.clear();
            }
            Ok(())
        })?;
        if !buf.is_empty() {
            write_group(&mut w, &buf)?;
        }
        w.close().map_err(pq)?;
        Ok(n)
    }
}

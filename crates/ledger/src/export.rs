//! Streaming export of every quote: JSON Lines, CSV, Parquet (`parquet_export.rs`), or JSON-LD (schema.org `Claim`s whose
//! appearances are `Quotation`s, the shape `ClaimReview.itemReviewed` expects).

use std::io::Write;

use serde_json::{json, Value};

use crate::error::{LedgerError, Result};
use crate::query::{QuoteFilter, QuoteRow};
use crate::Ledger;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Jsonl,
    Csv,
    JsonLd,
}

const CSV_HEADER: &[&str] = &[
    "id",
    "article",
    "outlet",
    "published",
    "url",
    "kind",
    "speaker",
    "source",
    "source_kind",
    "cue",
    "addressee",
    "content",
    "hedges",
    "polarity",
    "stance",
    "time",
    "claim",
    "denies",
    "copy_of",
];

fn csv_record(q: &QuoteRow) -> Vec<String> {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let n = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    vec![
        q.id.to_string(),
        q.article.clone(),
        o(&q.outlet),
        o(&q.published),
        o(&q.url),
        q.kind.clone(),
        o(&q.speaker),
        o(&q.source),
        q.source_kind.clone(),
        o(&q.cue),
        o(&q.addressee),
        q.content.clone(),
        q.hedges.join("|"),
        q.polarity.clone(),
        q.stance.clone(),
        o(&q.time),
        n(q.claim),
        n(q.denies),
        o(&q.copy_of),
    ]
}

/// A quote as a schema.org `Quotation`.
pub fn quotation(q: &QuoteRow) -> Value {
    let speaker_type = |k: &str| {
        if k == "named" || k == "pronoun" {
            "Person"
        } else {
            "Organization"
        }
    };
    let mut v = json!({
        "@type": "Quotation",
        "@id": format!("onrecord:quote/{}", q.id),
        "text": q.content,
        "isPartOf": {
            "@type": "NewsArticle",
            "identifier": q.article,
            "url": q.url,
            "headline": q.title,
            "datePublished": q.published,
            "publisher": q.outlet.as_ref().map(|o| json!({"@type": "Organization", "name": o})),
        },
        "additionalProperty": [
            {"@type": "PropertyValue", "name": "stance", "value": q.stance},
            {"@type": "PropertyValue", "name": "sourceKind", "value": q.source_kind},
            {"@type": "PropertyValue", "name": "quoteKind", "value": q.kind},
        ],
    });
    if let Some(s) = &q.speaker {
        v["spokenByCharacter"] = json!({"@type": speaker_type(&q.source_kind), "name": s});
    }
    if let Some(t) = &q.time {
        v["temporalCoverage"] = json!(t);
    }
    v
}

impl Ledger {
    /// Writes every quote to `out` in `format`, streaming (memory does not grow with the ledger).
    pub fn export(&self, format: ExportFormat, out: &mut dyn Write) -> Result<u64> {
        let mut n = 0u64;
        match format {
            ExportFormat::Jsonl => {
                self.for_each_quote(&QuoteFilter::default(), &mut |q| {
                    serde_json::to_writer(&mut *out, &q)?;
                    out.write_all(b"\n")?;
                    n += 1;
                    Ok(())
                })?;
            }
            ExportFormat::Csv => {
                let mut w = csv::Writer::from_writer(&mut *out);
                w.write_record(CSV_HEADER)?;
                self.for_each_quote(&QuoteFilter::default(), &mut |q| {
                    w.write_record(csv_record(&q))?;
                    n += 1;
                    Ok(())
                })?;
                w.flush()?;
            }
            ExportFormat::JsonLd => {
                out.write_all(b"{\"@context\":\"https://schema.org\",\"@graph\":[\n")?;
                let mut st = self.conn.prepare("SELECT id FROM claims ORDER BY id")?;
                let ids: Vec<i64> = st
                    .query_map([], |r| r.get(0))?
                    .collect::<std::result::Result<_, _>>()?;
                let mut first = true;
                for id in ids {
                    let Some(t) = self.claim(id)? else { continue };
                    let c = &t.claim;
                    let authors: Vec<Value> = t
                        .entries
                        .iter()
                        .filter(|q| q.stance == "asserts")
                        .filter_map(|q| {
                            q.speaker
                                .as_ref()
                                .map(|s| json!({"@type": "Thing", "name": s}))
                        })
                        .collect();
                    let v = json!({
                        "@type": "Claim",
                        "@id": format!("onrecord:claim/{}", c.id),
                        "text": c.label,
                        "firstAppearance": t.entries.first().map(quotation),
                        "appearance": t.entries.iter().map(quotation).collect::<Vec<_>>(),
                        "author": authors,
                        "datePublished": c.first_seen,
                        "additionalProperty": [
                            {"@type": "PropertyValue", "name": "disputed", "value": c.disputed},
                            {"@type": "PropertyValue", "name": "asserts", "value": c.asserts},
                            {"@type": "PropertyValue", "name": "reports", "value": c.reports},
                            {"@type": "PropertyValue", "name": "denies", "value": c.denies},
                            {"@type": "PropertyValue", "name": "questions", "value": c.questions},
                        ],
                    });
                    if !first {
                        out.write_all(b",\n")?;
                    }
                    first = false;
                    serde_json::to_writer(&mut *out, &v)?;
                    n += 1;
                }
                out.write_all(b"\n]}\n")?;
            }
        }
        out.flush().map_err(LedgerError::from)?;
        Ok(n)
    }
}

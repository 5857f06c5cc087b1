//! The ledger's paged browse queries ([`onrecord_ledger::browse`]), with errors as [`ApiError`]
//! so handlers can return them directly. The SQL lives in the ledger, one copy for CLI and server.

use onrecord_ledger::browse;
pub use onrecord_ledger::browse::{
    ArticleDetail, ArticleRow, AttributionOut, ClaimOut, EntityOut, HitOut, MentionOut, Page, Paged, QuoteOut, QuoteQuery,
    SpanText, SpeakerOut, TimeOut, DEFAULT_LIMIT, HIT_CLOSE, HIT_OPEN, MAX_LIMIT,
};
use onrecord_ledger::Ledger;

use crate::error::ApiError;

type R<T> = Result<T, ApiError>;

pub fn articles(l: &Ledger, outlet: Option<&str>, page: Page) -> R<Paged<ArticleRow>> {
    Ok(browse::articles(l, outlet, page)?)
}

pub fn article(l: &Ledger, id: i64) -> R<Option<ArticleDetail>> {
    Ok(browse::article(l, id)?)
}

pub fn quotes(l: &Ledger, f: &QuoteQuery, page: Page) -> R<Paged<QuoteOut>> {
    Ok(browse::quotes(l, f, page)?)
}

pub fn context(l: &Ledger, q: &QuoteOut, max: usize) -> R<(String, Vec<[usize; 2]>)> {
    Ok(browse::context(l, q, max)?)
}

pub fn speakers(l: &Ledger, name: Option<&str>, page: Page) -> R<Paged<SpeakerOut>> {
    Ok(browse::speakers(l, name, page)?)
}

pub fn speaker(l: &Ledger, id: i64) -> R<Option<SpeakerOut>> {
    Ok(browse::speaker(l, id)?)
}

pub fn speaker_outlets(l: &Ledger, id: i64) -> R<Vec<(String, i64)>> {
    Ok(browse::speaker_outlets(l, id)?)
}

pub fn claims(l: &Ledger, disputed_only: bool, page: Page) -> R<Paged<ClaimOut>> {
    Ok(browse::claims(l, disputed_only, page)?)
}

pub fn claim(l: &Ledger, id: i64) -> R<Option<ClaimOut>> {
    Ok(browse::claim(l, id)?)
}

pub fn search(l: &Ledger, text: &str, page: Page) -> R<Vec<HitOut>> {
    Ok(browse::search(l, text, page)?)
}

pub fn counts(l: &Ledger) -> R<Vec<(&'static str, i64)>> {
    Ok(browse::counts(l)?)
}

//! The JSON API handlers (documented in `openapi.json`).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::db::{self, QuoteQuery, HIT_CLOSE, HIT_OPEN};
use crate::error::ApiError;
use crate::params::{path_id, Params};
use crate::{AppState, OPENAPI};

type ApiResult = Result<Json<Value>, ApiError>;

fn to_json<T: serde::Serialize>(v: T) -> ApiResult {
    serde_json::to_value(v)
        .map(Json)
        .map_err(|e| ApiError::Internal(e.to_string()))
}

pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

pub async fn overview(State(st): State<AppState>, p: Params) -> ApiResult {
    p.only(&[])?;
    let counts = st.with_ledger(db::counts).await?;
    let map: serde_json::Map<String, Value> = counts
        .into_iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    Ok(Json(
        json!({"counts": map, "ingest_enabled": st.config().token.is_some()}),
    ))
}

pub async fn articles(State(st): State<AppState>, p: Params) -> ApiResult {
    p.only(&["outlet", "limit", "offset"])?;
    let page = p.page()?;
    let outlet = p.str("outlet");
    to_json(
        st.with_ledger(move |l| db::articles(l, outlet.as_deref(), page))
            .await?,
    )
}

pub async fn article(State(st): State<AppState>, Path(id): Path<String>, p: Params) -> ApiResult {
    p.only(&[])?;
    let id = path_id(&id)?;
    match st.with_ledger(move |l| db::article(l, id)).await? {
        Some(a) => to_json(a),
        None => Err(ApiError::NotFound(format!("no article {id}"))),
    }
}

/// The quote filters shared by the API and the HTML pages.
pub fn quote_query(p: &Params) -> Result<QuoteQuery, ApiError> {
    Ok(QuoteQuery {
        speaker: p.str("speaker"),
        agent: p.int("agent")?,
        outlet: p.str("outlet"),
        since: p.date("since")?,
        until: p.date("until")?,
        text: p.str("text"),
        kind: p.one_of("kind", &["direct", "indirect", "mixed"])?,
        source_kind: p.one_of(
            "source_kind",
            &["named", "pronoun", "anonymous", "unnamed_group", "document"],
        )?,
        stance: p.one_of(
            "stance",
            &["asserts", "reports", "denies", "questions", "declines"],
        )?,
        claim: p.int("claim")?,
        article: p.int("article")?,
    })
}

pub const QUOTE_PARAMS: &[&str] = &[
    "speaker",
    "agent",
    "outlet",
    "since",
    "until",
    "text",
    "kind",
    "source_kind",
    "stance",
    "claim",
    "article",
    "limit",
    "offset",
];

pub async fn quotes(State(st): State<AppState>, p: Params) -> ApiResult {
    p.only(QUOTE_PARAMS)?;
    let f = quote_query(&p)?;
    let page = p.page()?;
    to_json(st.with_ledger(move |l| db::quotes(l, &f, page)).await?)
}

pub async fn speakers(State(st): State<AppState>, p: Params) -> ApiResult {
    p.only(&["name", "limit", "offset"])?;
    let page = p.page()?;
    let name = p.str("name");
    to_json(
        st.with_ledger(move |l| db::speakers(l, name.as_deref(), page))
            .await?,
    )
}

pub async fn speaker(State(st): State<AppState>, Path(id): Path<String>, p: Params) -> ApiResult {
    p.only(&[])?;
    let id = path_id(&id)?;
    let (s, outlets) = st
        .with_ledger(move |l| Ok((db::speaker(l, id)?, db::speaker_outlets(l, id)?)))
        .await?;
    let Some(s) = s else {
        return Err(ApiError::NotFound(format!("no speaker {id}")));
    };
    let mut v = serde_json::to_value(s).map_err(|e| ApiError::Internal(e.to_string()))?;
    v["outlets"] = outlets
        .into_iter()
        .map(|(o, n)| json!({"outlet": o, "quotes": n}))
        .collect();
    v["quotes_url"] = json!(format!("/api/quotes?agent={id}"));
    Ok(Json(v))
}

pub async fn claims(State(st): State<AppState>, p: Params) -> ApiResult {
    p.only(&["disputed", "limit", "offset"])?;
    let page = p.page()?;
    let disputed = p.bool("disputed")?;
    to_json(
        st.with_ledger(move |l| db::claims(l, disputed, page))
            .await?,
    )
}

pub async fn disputes(State(st): State<AppState>, p: Params) -> ApiResult {
    p.only(&["limit", "offset"])?;
    let page = p.page()?;
    to_json(st.with_ledger(move |l| db::claims(l, true, page)).await?)
}

/// A claim with its timeline (a page of its attributions, oldest first).
pub async fn claim(State(st): State<AppState>, Path(id): Path<String>, p: Params) -> ApiResult {
    p.only(&["limit", "offset"])?;
    let id = path_id(&id)?;
    let page = p.page_with(db::MAX_LIMIT)?;
    let (c, entries) = st
        .with_ledger(move |l| {
            let c = db::claim(l, id)?;
            let e = db::quotes(
                l,
                &QuoteQuery {
                    claim: Some(id),
                    ..Default::default()
                },
                page,
            )?;
            Ok((c, e))
        })
        .await?;
    let Some(c) = c else {
        return Err(ApiError::NotFound(format!("no claim {id}")));
    };
    to_json(json!({"claim": c, "timeline": entries}))
}

pub async fn search(State(st): State<AppState>, p: Params) -> ApiResult {
    p.only(&["q", "limit", "offset"])?;
    let Some(q) = p.str("q") else {
        return Err(ApiError::BadParameter(
            "parameter 'q' (the words to find) is required".into(),
        ));
    };
    let page = p.page_with(20)?;
    let mut hits = st.with_ledger(move |l| db::search(l, &q, page)).await?;
    for h in &mut hits {
        h.snippet = h.snippet.replace(HIT_OPEN, "[").replace(HIT_CLOSE, "]");
    }
    to_json(json!({"items": hits, "limit": page.limit, "offset": page.offset}))
}

/// `POST /api/ingest`: JSON Lines articles, with the configured bearer token.
pub async fn ingest(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let Some(token) = st.config().token.clone() else {
        return Err(ApiError::Forbidden(
            "ingest over HTTP is disabled (start the server with --token-env VAR)".into(),
        ));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(given) = given else {
        return Err(ApiError::Unauthorized(
            "missing 'Authorization: Bearer <token>' header".into(),
        ));
    };
    if !constant_time_eq(given.as_bytes(), token.as_bytes()) {
        return Err(ApiError::Forbidden("wrong token".into()));
    }
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(format!(
                "request body over the limit of {} bytes",
                st.config().max_body
            ))
        } else {
            ApiError::BadBody(e.body_text())
        }
    })?;
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| ApiError::BadBody("body is not UTF-8".into()))?;
    if text.trim().is_empty() {
        return Err(ApiError::BadBody(
            "empty body: send JSON Lines, one article object a line".into(),
        ));
    }
    let report = st.ingest_jsonl(text).await?;
    let v = serde_json::to_value(report).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((StatusCode::OK, Json(v)))
}

/// Compares without an early exit, so timing does not reveal how much of a token matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, x) in a.iter().enumerate() {
        diff |= (*x ^ b.get(i % b.len().max(1)).copied().unwrap_or(0)) as usize;
    }
    diff == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn token_compare() {
        assert!(super::constant_time_eq(b"abc", b"abc"));
        assert!(!super::constant_time_eq(b"abd", b"abc"));
        assert!(!super::constant_time_eq(b"ab", b"abc"));
        assert!(!super::constant_time_eq(b"", b"abc"));
        assert!(super::constant_time_eq(b"", b""));
    }
}

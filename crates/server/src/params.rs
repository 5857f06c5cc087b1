//! Query-string parameters, parsed by hand so that every mistake is a JSON 400 naming the
//! parameter (axum's own `Query` rejection is plain text).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::db::{Page, DEFAULT_LIMIT, MAX_LIMIT};
use crate::error::ApiError;

/// The query string as name/value pairs, in order.
#[derive(Debug, Clone, Default)]
pub struct Params(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Params::parse(parts.uri.query().unwrap_or(""))
    }
}

impl Params {
    pub fn parse(query: &str) -> Result<Params, ApiError> {
        let pairs = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(
            &format!("/?{query}")
                .parse()
                .map_err(|_| ApiError::BadParameter("malformed query string".into()))?,
        )
        .map_err(|e| ApiError::BadParameter(format!("malformed query string: {e}")))?;
        Ok(Params(pairs.0))
    }

    /// A non-empty value, trimmed.
    pub fn str(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.str(name)
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    ApiError::BadParameter(format!(
                        "parameter '{name}' must be an integer, got '{v}'"
                    ))
                })
            })
            .transpose()
    }

    pub fn bool(&self, name: &str) -> Result<bool, ApiError> {
        match self.str(name).as_deref() {
            None | Some("false" | "0" | "no") => Ok(false),
            Some("true" | "1" | "yes" | "on") => Ok(true),
            Some(v) => Err(ApiError::BadParameter(format!(
                "parameter '{name}' must be true or false, got '{v}'"
            ))),
        }
    }

    /// A value that must be one of `allowed`.
    pub fn one_of(&self, name: &str, allowed: &[&str]) -> Result<Option<String>, ApiError> {
        match self.str(name) {
            Some(v) if allowed.contains(&v.as_str()) => Ok(Some(v)),
            Some(v) => Err(ApiError::BadParameter(format!(
                "parameter '{name}' must be one of {}, got '{v}'",
                allowed.join(", ")
            ))),
            None => Ok(None),
        }
    }

    /// A date prefix: YYYY, YYYY-MM or YYYY-MM-DD.
    pub fn date(&self, name: &str) -> Result<Option<String>, ApiError> {
        let Some(v) = self.str(name) else {
            return Ok(None);
        };
        if is_date_prefix(&v) {
            Ok(Some(v))
        } else {
            Err(ApiError::BadParameter(format!(
                "parameter '{name}' must be a date YYYY, YYYY-MM or YYYY-MM-DD, got '{v}'"
            )))
        }
    }

    /// `limit` (1..=MAX_LIMIT, default DEFAULT_LIMIT) and `offset` (default 0).
    pub fn page(&self) -> Result<Page, ApiError> {
        self.page_with(DEFAULT_LIMIT)
    }

    pub fn page_with(&self, default_limit: usize) -> Result<Page, ApiError> {
        let limit = match self.str("limit") {
            None => default_limit,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    return Err(ApiError::BadParameter(format!(
                        "parameter 'limit' must be an integer from 1 to {MAX_LIMIT}, got '{v}'"
                    )))
                }
            },
        };
        let offset = match self.str("offset") {
            None => 0,
            Some(v) => match v.parse::<u32>() {
                Ok(n) => n as usize,
                _ => {
                    return Err(ApiError::BadParameter(format!(
                        "parameter 'offset' must be a non-negative integer, got '{v}'"
                    )))
                }
            },
        };
        Ok(Page { limit, offset })
    }

    /// Rejects parameters not in `known` (a misspelt filter should not silently match everything).
    pub fn only(&self, known: &[&str]) -> Result<(), ApiError> {
        match self.0.iter().find(|(k, _)| !known.contains(&k.as_str())) {
            Some((k, _)) => Err(ApiError::BadParameter(format!(
                "unknown parameter '{k}' (known: {})",
                known.join(", ")
            ))),
            None => Ok(()),
        }
    }
}

fn is_date_prefix(v: &str) -> bool {
    let b = v.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    match b.len() {
        4 => digits(0..4),
        7 => digits(0..4) && b[4] == b'-' && digits(5..7),
        10 => digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10),
        _ => false,
    }
}

/// A numeric path id, or a 400.
pub fn path_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .map_err(|_| ApiError::BadParameter(format!("id must be an integer, got '{raw}'")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_validates() {
        let p = Params::parse("limit=10&offset=20&since=2008-03&q=a%20b&x=").unwrap();
        let page = p.page().unwrap();
        assert_eq!((page.limit, page.offset), (10, 20));
        assert_eq!(p.date("since").unwrap().as_deref(), Some("2008-03"));
        assert_eq!(p.str("q").as_deref(), Some("a b"));
        assert_eq!(p.str("x"), None);
        assert!(Params::parse("limit=0").unwrap().page().is_err());
        assert!(Params::parse("limit=100000").unwrap().page().is_err());
        assert!(Params::parse("offset=-1").unwrap().page().is_err());
        assert!(Params::parse("since=March").unwrap().date("since").is_err());
        assert!(Params::parse("since=2008-3-1")
            .unwrap()
            .date("since")
            .is_err());
        assert!(p.only(&["limit", "offset"]).is_err());
    }
}

//! Publication dates found in page metadata, normalised to ISO 8601.
//!
//! Only what the string says is kept: a date-time stays a date-time (with its offset when it
//! had one), a bare date stays a date. Nothing is filled in from the clock, and a string we
//! cannot read is dropped rather than guessed.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// Years outside this range are placeholders (`0001-01-01`) or typos, not publication dates.
const YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;

/// Date-times without an offset.
const NAIVE_DATETIME_FORMATS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%B %d, %Y %I:%M %p",
    "%b %d, %Y %I:%M %p",
    "%B %d, %Y %H:%M",
    "%b %d, %Y %H:%M",
];

/// Date-times with a numeric offset.
const OFFSET_DATETIME_FORMATS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M%z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S %z",
];

/// Dates alone.
const DATE_FORMATS: &[&str] = &[
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y%m%d",
    "%B %d, %Y",
    "%B %d %Y",
    "%b %d, %Y",
    "%b %d %Y",
    "%b. %d, %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%d %B, %Y",
    "%A, %B %d, %Y",
    "%a, %b %d, %Y",
    "%A %d %B %Y",
    "%a %d %b %Y",
];

/// Normalises a metadata date string to ISO 8601 (`2019-11-19` or `2019-11-19T10:00:00+01:00`).
pub fn normalize_date(raw: &str) -> Option<String> {
    let s = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let s = s.trim_matches(|c: char| c == ',' || c == '.' || c == '|' || c.is_whitespace());
    if s.is_empty() || s.len() > 64 {
        return None;
    }
    // Zulu suffix and offsets: RFC 3339 first, then the looser forms.
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return in_range(dt.naive_local().date()).then(|| dt.format("%Y-%m-%dT%H:%M:%S%:z").to_string());
    }
    let zulu = s.strip_suffix('Z').or_else(|| s.strip_suffix(" UTC")).or_else(|| s.strip_suffix(" GMT"));
    if let Some(z) = zulu {
        if let Some(ndt) = parse_naive_datetime(z) {
            return in_range(ndt.date()).then(|| format!("{}+00:00", ndt.format("%Y-%m-%dT%H:%M:%S")));
        }
    }
    for f in OFFSET_DATETIME_FORMATS {
        if let Ok(dt) = DateTime::parse_from_str(s, f) {
            return in_range(dt.naive_local().date()).then(|| dt.format("%Y-%m-%dT%H:%M:%S%:z").to_string());
        }
    }
    if let Ok(dt) = DateTime::parse_from_rfc2822(s) {
        return in_range(dt.naive_local().date()).then(|| dt.format("%Y-%m-%dT%H:%M:%S%:z").to_string());
    }
    if let Some(ndt) = parse_naive_datetime(s) {
        return in_range(ndt.date()).then(|| ndt.format("%Y-%m-%dT%H:%M:%S").to_string());
    }
    for f in DATE_FORMATS {
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            return in_range(d).then(|| d.format("%Y-%m-%d").to_string());
        }
    }
    None
}

fn parse_naive_datetime(s: &str) -> Option<NaiveDateTime> {
    NAIVE_DATETIME_FORMATS.iter().find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
}

fn in_range(d: NaiveDate) -> bool {
    use chrono::Datelike;
    YEARS.contains(&d.year())
}

/// A full date in a URL path (`/2019/11/19/`, `/2019-11-19/`, `/20191119/`). A year and month
/// alone are not a date and give nothing.
pub fn date_from_url(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let path = path.split_once("://").map(|(_, rest)| rest).unwrap_or(path);
    let parts: Vec<&str> = path.split('/').collect();
    let num = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    for w in parts.windows(3) {
        if num(w[0], 4) && (num(w[1], 2) || num(w[1], 1)) && (num(w[2], 2) || num(w[2], 1)) {
            if let Some(d) = ymd(w[0], w[1], w[2]) {
                return Some(d);
            }
        }
    }
    for p in &parts {
        // A segment that is a date, or starts with one (`2019-11-19-some-title`).
        let b = p.as_bytes();
        if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' && p.get(..10).is_some_and(|d| d.bytes().filter(|c| c.is_ascii_digit()).count() == 8) {
            if let (Some(y), Some(m), Some(d)) = (p.get(0..4), p.get(5..7), p.get(8..10)) {
                if b.get(10).is_none_or(|c| !c.is_ascii_digit()) {
                    if let Some(d) = ymd(y, m, d) {
                        return Some(d);
                    }
                }
            }
        }
        if num(p, 8) {
            if let (Some(y), Some(m), Some(d)) = (p.get(0..4), p.get(4..6), p.get(6..8)) {
                if let Some(d) = ymd(y, m, d) {
                    return Some(d);
                }
            }
        }
    }
    None
}

fn ymd(y: &str, m: &str, d: &str) -> Option<String> {
    let date = NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)?;
    in_range(date).then(|| date.format("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_what_is_given() {
        assert_eq!(normalize_date("2019-11-19").as_deref(), Some("2019-11-19"));
        assert_eq!(normalize_date("2019-11-19T10:05:00Z").as_deref(), Some("2019-11-19T10:05:00+00:00"));
        assert_eq!(normalize_date("2019-11-19T10:05:00.000+0100").as_deref(), Some("2019-11-19T10:05:00+01:00"));
        assert_eq!(normalize_date("2019-11-19T10:05:00-05:00").as_deref(), Some("2019-11-19T10:05:00-05:00"));
        assert_eq!(normalize_date("2019-11-19 10:05").as_deref(), Some("2019-11-19T10:05:00"));
        assert_eq!(normalize_date("Tue, 14 Mar 2023 10:30:00 GMT").as_deref(), Some("2023-03-14T10:30:00+00:00"));
        assert_eq!(normalize_date("March 14, 2023").as_deref(), Some("2023-03-14"));
        assert_eq!(normalize_date("14 March 2023").as_deref(), Some("2023-03-14"));
    }

    #[test]
    fn drops_what_is_broken() {
        assert_eq!(normalize_date(""), None);
        assert_eq!(normalize_date("yesterday"), None);
        assert_eq!(normalize_date("2019-13-45"), None);
        assert_eq!(normalize_date("0001-01-01T00:00:00Z"), None);
        assert_eq!(normalize_date("March 2023"), None);
    }

    #[test]
    fn url_dates() {
        assert_eq!(date_from_url("https://x.com/2019/11/19/story").as_deref(), Some("2019-11-19"));
        assert_eq!(date_from_url("https://x.com/news/2019-11-19-story.html").as_deref(), Some("2019-11-19"));
        assert_eq!(date_from_url("https://x.com/a/20191119/b").as_deref(), Some("2019-11-19"));
        assert_eq!(date_from_url("https://x.com/2019/11/story"), None);
        assert_eq!(date_from_url("https://x.com/2019/13/40/story"), None);
    }
}

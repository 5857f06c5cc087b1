//! Decoding page bytes to text: BOM, then the declared charset (HTTP header, then `<meta>`),
//! then detection. Bad bytes become U+FFFD; nothing here can fail.

use encoding_rs::{Encoding, UTF_8};

/// How far into a page we look for a `<meta charset>` (browsers use 1024 bytes; pages with
/// long heads put it later, so we look a little further).
const PRESCAN: usize = 4096;

/// Decodes `bytes`; `declared` is a charset label from outside the page (HTTP Content-Type).
pub fn decode(bytes: &[u8], declared: Option<&str>) -> String {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let rest = bytes.get(bom_len..).unwrap_or(&[]);
        return enc.decode_without_bom_handling(rest).0.into_owned();
    }
    let label = declared.and_then(|l| Encoding::for_label(l.trim().as_bytes())).or_else(|| meta_charset(bytes));
    let enc = match label {
        // A page declared as a legacy single-byte charset but made of valid multi-byte UTF-8
        // is UTF-8 (a common CMS misdeclaration); the reverse cannot happen by chance.
        Some(e) if e != UTF_8 && e.is_single_byte() && looks_utf8(bytes) => UTF_8,
        // UTF-16 labels in a `<meta>` are always wrong for an ASCII-compatible page.
        Some(e) if e == encoding_rs::UTF_16LE || e == encoding_rs::UTF_16BE => UTF_8,
        Some(e) => e,
        None if std::str::from_utf8(bytes).is_ok() => UTF_8,
        None => {
            let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            det.feed(bytes, true);
            det.guess(None, chardetng::Utf8Detection::Allow)
        }
    };
    enc.decode_without_bom_handling(bytes).0.into_owned()
}

/// Valid UTF-8 with at least one multi-byte sequence.
fn looks_utf8(bytes: &[u8]) -> bool {
    !bytes.is_ascii() && std::str::from_utf8(bytes).is_ok()
}

/// The charset named by `<meta charset=...>` or `<meta http-equiv content="...; charset=...">`.
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = bytes.get(..PRESCAN.min(bytes.len())).unwrap_or(bytes);
    let lower: Vec<u8> = head.iter().map(|b| b.to_ascii_lowercase()).collect();
    let mut from = 0;
    while let Some(i) = find(&lower[from..], b"<meta") {
        let start = from + i;
        let end = lower[start..].iter().position(|&b| b == b'>').map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        if let Some(c) = find(tag, b"charset") {
            let mut rest = &tag[c + 7..];
            rest = trim_start(rest);
            if let Some(r) = rest.strip_prefix(b"=") {
                let r = trim_start(r);
                let r = r.strip_prefix(b"\"").or_else(|| r.strip_prefix(b"'")).unwrap_or(r);
                let len = r.iter().position(|&b| matches!(b, b'"' | b'\'' | b';' | b' ' | b'/' | b'>')).unwrap_or(r.len());
                if let Some(e) = Encoding::for_label(&r[..len]) {
                    return Some(e);
                }
            }
        }
        from = end.max(start + 1);
        if from >= lower.len() {
            break;
        }
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn trim_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

/// The `charset` parameter of a Content-Type value (`text/html; charset=ISO-8859-1`).
pub fn charset_param(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case("charset").then(|| v.trim().trim_matches(|c| c == '"' || c == '\''))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_meta_charset() {
        let page = b"<html><head><meta charset=\"windows-1251\"></head><body>\xcf\xf0\xe8\xe2\xe5\xf2</body></html>";
        assert!(decode(page, None).contains("Привет"));
        let page = b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\"><p>caf\xe9</p>";
        assert!(decode(page, None).contains("café"));
    }

    #[test]
    fn header_wins_and_utf8_misdeclared() {
        assert!(decode(b"<p>caf\xe9</p>", Some("latin1")).contains("café"));
        assert!(decode("<meta charset=iso-8859-1><p>café</p>".as_bytes(), None).contains("café"));
    }

    #[test]
    fn undeclared_bad_bytes_never_panic() {
        let s = decode(b"<p>na\xefve \xff\xfe\x00 caf\xe9 </p>", None);
        assert!(s.contains("<p>"));
        let s = decode(&[0xff, 0xfe, 0x41], None);
        assert!(!s.is_empty());
    }

    #[test]
    fn content_type_param() {
        assert_eq!(charset_param("text/html; charset=\"UTF-8\""), Some("UTF-8"));
        assert_eq!(charset_param("text/html"), None);
    }
}

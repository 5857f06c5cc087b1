//! Python semantics the scorers depend on: `str.isspace`, `str()`, float `repr`, `round`,
//! `format(x, ".3f")`, and `json.dumps` output, so that our figures and text match the
//! reference scorers in shared/eval byte for byte.

use std::fmt::Write as _;
use std::io;

use serde::Serialize;
use serde_json::Value;

/// Python's `str.isspace`: Unicode White_Space plus the ASCII separators U+001C..U+001F.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `s.strip()`.
pub fn strip(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// The last item of Python's `s.split()`, if any.
pub fn last_word(s: &str) -> Option<&str> {
    s.split(is_space).rfind(|w| !w.is_empty())
}

/// Python truthiness of a JSON value.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|x| x != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Python's `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16.
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    // Rust's `{:e}` gives the same shortest round-trip digits as Python's repr.
    let sci = format!("{:e}", x.abs());
    let (mant, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if x < 0.0 { "-" } else { "" };
    let decpt = exp + 1; // digits before the decimal point
    let n = digits.len() as i32;
    let body = if decpt <= -4 || decpt > 16 {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() { String::new() } else { format!(".{rest}") };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{first}{frac}e{esign}{:02}", exp.abs())
    } else if decpt <= 0 {
        format!("0.{}{}", "0".repeat((-decpt) as usize), digits)
    } else if decpt >= n {
        format!("{}{}.0", digits, "0".repeat((decpt - n) as usize))
    } else {
        let (a, b) = digits.split_at(decpt as usize);
        format!("{a}.{b}")
    };
    format!("{sign}{body}")
}

/// Python's `format(x, f".{prec}f")` (correctly rounded, ties to even, like Rust's).
pub fn fixed(x: f64, prec: usize) -> String {
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        format!("{x:.prec$}")
    }
}

/// Python's `round(x, ndigits)` for floats: the correctly rounded decimal, read back.
pub fn round(x: f64, ndigits: usize) -> f64 {
    if !x.is_finite() {
        return x;
    }
    format!("{x:.ndigits$}").parse().unwrap_or(x)
}

/// Python's `str(v)` for a value loaded by `json.loads`.
pub fn str_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => repr(other),
    }
}

/// Python's `repr(v)` for a value loaded by `json.loads`.
pub fn repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.to_string(),
            (_, Some(u)) => u.to_string(),
            _ => float_repr(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => str_repr(s),
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(repr).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(o) => {
            let items: Vec<String> = o.iter().map(|(k, v)| format!("{}: {}", str_repr(k), repr(v))).collect();
            format!("{{{}}}", items.join(", "))
        }
    }
}

/// Python's `repr(str)`: single quotes unless the text holds a single quote and no double one.
pub fn str_repr(s: &str) -> String {
    let q = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push(q);
    out
}

/// Python's `int(v)` for a JSON value: ints, floats (truncated), bools, and numeric strings.
pub fn int_of(v: &Value) -> Result<i64, String> {
    let bad = || format!("invalid literal for int(): {}", repr(v));
    match v {
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(i)
            } else {
                match n.as_f64() {
                    Some(f) if f.is_finite() && f.abs() < 9.2e18 => Ok(f.trunc() as i64),
                    _ => Err(bad()),
                }
            }
        }
        Value::String(s) => {
            let t = strip(s);
            let (neg, digits) = match t.strip_prefix('-') {
                Some(r) => (true, r),
                None => (false, t.strip_prefix('+').unwrap_or(t)),
            };
            // underscores only between digits, as Python allows
            if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') || digits.contains("__") {
                return Err(bad());
            }
            let mut acc: i64 = 0;
            for c in digits.chars().filter(|&c| c != '_') {
                let d = c.to_digit(10).ok_or_else(bad)?;
                acc = acc.checked_mul(10).and_then(|a| a.checked_add(i64::from(d))).ok_or_else(bad)?;
            }
            Ok(if neg { -acc } else { acc })
        }
        _ => Err(format!("int() argument must be a number or string, not {}", repr(v))),
    }
}

/// `json.dumps(v, indent=1)` as Python writes it.
pub fn json_indent1<T: Serialize + ?Sized>(v: &T) -> String {
    dumps(v, true)
}

/// `json.dumps(v)` as Python writes it (separators ", " and ": ").
pub fn json_compact<T: Serialize + ?Sized>(v: &T) -> String {
    dumps(v, false)
}

fn dumps<T: Serialize + ?Sized>(v: &T, indent: bool) -> String {
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, PyFormatter { indent, level: 0, has_value: false });
    // Serialising our own report types cannot fail; fall back to an empty string regardless.
    if v.serialize(&mut ser).is_err() {
        return String::new();
    }
    String::from_utf8(buf).unwrap_or_default()
}

/// A serde_json formatter reproducing Python's json module: ASCII-only output, float repr,
/// and either `indent=1` or the default `", "` / `": "` separators.
struct PyFormatter {
    indent: bool,
    level: usize,
    has_value: bool,
}

impl PyFormatter {
    fn newline<W: ?Sized + io::Write>(&self, w: &mut W) -> io::Result<()> {
        w.write_all(b"\n")?;
        for _ in 0..self.level {
            w.write_all(b" ")?;
        }
        Ok(())
    }
    fn begin<W: ?Sized + io::Write>(&mut self, w: &mut W, open: &[u8]) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(open)
    }
    fn end<W: ?Sized + io::Write>(&mut self, w: &mut W, close: &[u8]) -> io::Result<()> {
        self.level -= 1;
        if self.indent && self.has_value {
            self.newline(w)?;
        }
        self.has_value = true;
        w.write_all(close)
    }
    fn item<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if self.indent {
            if !first {
                w.write_all(b",")?;
            }
            self.newline(w)
        } else if !first {
            w.write_all(b", ")
        } else {
            Ok(())
        }
    }
}

impl serde_json::ser::Formatter for PyFormatter {
    fn write_f64<W: ?Sized + io::Write>(&mut self, w: &mut W, x: f64) -> io::Result<()> {
        let s = if x.is_nan() {
            "NaN".to_string()
        } else if x.is_infinite() {
            if x > 0.0 { "Infinity".into() } else { "-Infinity".into() }
        } else {
            float_repr(x)
        };
        w.write_all(s.as_bytes())
    }
    fn write_f32<W: ?Sized + io::Write>(&mut self, w: &mut W, x: f32) -> io::Result<()> {
        self.write_f64(w, f64::from(x))
    }
    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, w: &mut W, fragment: &str) -> io::Result<()> {
        // ensure_ascii: everything outside printable ASCII as \uXXXX (UTF-16 units)
        let mut units = [0u16; 2];
        for c in fragment.chars() {
            if (' '..='~').contains(&c) {
                w.write_all(&[c as u8])?;
            } else {
                for u in c.encode_utf16(&mut units) {
                    write!(w, "\\u{:04x}", u)?;
                }
            }
        }
        Ok(())
    }
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.begin(w, b"[")
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.end(w, b"]")
    }
    fn begin_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.item(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.begin(w, b"{")
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.end(w, b"}")
    }
    fn begin_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.item(w, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn float_repr_matches_python() {
        let cases = [
            (0.5, "0.5"),
            (1.0, "1.0"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1.5e-7, "1.5e-07"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123.456, "123.456"),
            (2.0 / 3.0, "0.6666666666666666"),
            (-0.25, "-0.25"),
            (0.0, "0.0"),
        ];
        for (x, want) in cases {
            assert_eq!(float_repr(x), want, "{x}");
        }
    }

    #[test]
    fn round_and_fixed_tie_to_even_like_python() {
        assert_eq!(round(0.03125, 4), 0.0312);
        assert_eq!(round(2.0 / 3.0, 4), 0.6667);
        assert_eq!(fixed(0.0625, 3), "0.062");
        assert_eq!(fixed(0.0005, 3), "0.001");
    }

    #[test]
    fn dumps_like_python() {
        let v = json!({"a": 1, "b": {"c": 0.5, "d": null}, "e": {}, "é": "ü😀"});
        // serde_json's Map is sorted without preserve_order; keys here are already sorted.
        assert_eq!(
            json_indent1(&v),
            "{\n \"a\": 1,\n \"b\": {\n  \"c\": 0.5,\n  \"d\": null\n },\n \"e\": {},\n \"\\u00e9\": \"\\u00fc\\ud83d\\ude00\"\n}"
        );
        assert_eq!(json_compact(&v), "{\"a\": 1, \"b\": {\"c\": 0.5, \"d\": null}, \"e\": {}, \"\\u00e9\": \"\\u00fc\\ud83d\\ude00\"}");
        assert_eq!(json_compact(&json!([1, [], [2, 3]])), "[1, [], [2, 3]]");
    }

    #[test]
    fn python_strings() {
        assert_eq!(strip("\u{1f} a b\u{a0}"), "a b");
        assert_eq!(last_word("Dmitry  Peskov\n"), Some("Peskov"));
        assert_eq!(last_word(" \t"), None);
        assert_eq!(str_of(&json!(12)), "12");
        assert_eq!(str_of(&json!(null)), "None");
        assert_eq!(str_of(&json!(1.0)), "1.0");
        assert_eq!(str_repr("direct"), "'direct'");
        assert_eq!(str_repr("it's"), "\"it's\"");
        assert_eq!(int_of(&json!(" 12 ")), Ok(12));
        assert_eq!(int_of(&json!(3.9)), Ok(3));
        assert!(int_of(&json!("x")).is_err());
    }
}

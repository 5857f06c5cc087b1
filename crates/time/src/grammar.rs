//! The grammar: rules over a sentence's pieces (see `words`) that find time expressions and
//! build their unresolved values. Every rule returns where its match ends; at each position the
//! longest match wins (ties go to the rule tried first), and the scan goes on after it.

use onrecord_core::{TimexType, TokenKind};

use crate::lexicon::{CalKind, Lexicon, NumWord, Role, Tense, WordInfo, UNKNOWN};
use crate::resolve::{Dir, RelUnit, Val, YearRef};
use crate::words::W;

/// A match: pieces `start..end`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cand {
    pub start: usize,
    pub end: usize,
    pub kind: TimexType,
    pub val: Val,
    pub modifier: Option<String>,
}

/// A count before a unit.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Num {
    Known(f64),
    Vague,
    /// "a" / "an": one, but only with units that allow it.
    Article,
}

pub struct Grammar<'a> {
    lex: &'a Lexicon,
    ws: &'a [W<'a>],
}

type M = (usize, TimexType, Val);

/// Words the rules test by spelling where an expression may start ("the 11th of", "last
/// Monday", "every week"); they join the vocabulary so that [`Grammar::may_start`] sees them.
pub const GRAMMAR_WORDS: &[&str] = &[
    "the", "last", "next", "this", "past", "coming", "noon", "midnight", "every", "each", "a", "an",
];

impl<'a> Grammar<'a> {
    pub fn new(lex: &'a Lexicon, ws: &'a [W<'a>]) -> Self {
        Grammar { lex, ws }
    }

    fn lw(&self, i: usize) -> &str {
        self.ws.get(i).map_or("", |w| w.lower.as_ref())
    }

    /// What the tables say about piece `i` (nothing past the end).
    fn info(&self, i: usize) -> &'a WordInfo {
        self.lex.info(self.ws.get(i).map_or(UNKNOWN, |w| w.id))
    }

    fn has(&self, i: usize, role: Role) -> bool {
        self.info(i).has(role)
    }

    /// Where the words `ids` (vocabulary ids) end when they start at piece `i`.
    fn ids_at(&self, i: usize, ids: &[u32]) -> Option<usize> {
        if ids.is_empty() {
            return None;
        }
        let got = self.ws.get(i..i + ids.len())?;
        got.iter()
            .zip(ids)
            .all(|(w, id)| w.id == *id)
            .then_some(i + ids.len())
    }

    fn is_punct(&self, i: usize) -> bool {
        self.ws
            .get(i)
            .is_some_and(|w| matches!(w.kind, TokenKind::Punct | TokenKind::QuoteMark))
    }

    /// Every time expression in the sentence, left to right, not overlapping.
    pub fn find(&self) -> Vec<Cand> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < self.ws.len() {
            match self.best_at(i, false) {
                Some(c) => {
                    i = c.end.max(i + 1);
                    out.push(c);
                }
                None => i += 1,
            }
        }
        out
    }

    /// Whether any rule could match at piece `i`: a word that can start one (calendar name,
    /// number, unit, first word of a phrase / modifier / duration prefix, [`GRAMMAR_WORDS`]), a
    /// number, or a token shaped like a year, day, clock time, decade, quarter or ISO date.
    /// Most pieces are none of these, and skip the rules.
    fn may_start(&self, i: usize) -> bool {
        let Some(w) = self.ws.get(i) else {
            return false;
        };
        let b = w.lower.as_bytes();
        self.lex.info(w.id).starts
            || w.kind == TokenKind::Number
            || matches!(b.first(), Some(b'0'..=b'9' | b'\'' | b':'))
            || (b.len() == 2 && b[0] == b'q')
            || (b.len() == 10 && b[4] == b'-')
    }

    fn best_at(&self, i: usize, in_mod: bool) -> Option<Cand> {
        if !self.may_start(i) {
            return None;
        }
        self.rules_at(i, in_mod)
    }

    /// The longest match of any rule at `i`.
    fn rules_at(&self, i: usize, in_mod: bool) -> Option<Cand> {
        let mut best: Option<Cand> = None;
        let mut consider = |c: Option<Cand>| {
            if let Some(c) = c {
                if best.as_ref().is_none_or(|b| c.end > b.end) {
                    best = Some(c);
                }
            }
        };
        let plain = |m: Option<M>| {
            m.map(|(end, kind, val)| Cand {
                start: i,
                end,
                kind,
                val,
                modifier: None,
            })
        };
        consider(plain(self.phrase(i, in_mod)));
        if !in_mod {
            consider(self.modified(i));
        }
        consider(plain(self.date(i)));
        consider(plain(self.weekday(i)));
        consider(plain(self.clock(i)));
        consider(plain(self.quarter(i)));
        consider(plain(self.season(i)));
        consider(plain(self.decade(i)));
        consider(plain(self.duration(i)));
        consider(plain(self.year_alone(i)));
        best
    }

    // ---- pieces of grammar ----

    fn number(&self, i: usize) -> Option<(usize, Num)> {
        let w = self.ws.get(i)?;
        if w.kind == TokenKind::Number {
            if w.lower.contains(':') {
                return None;
            }
            let v: f64 = w.lower.replace(',', "").parse().ok()?;
            return v.is_finite().then_some((i + 1, Num::Known(v)));
        }
        match w.lower.as_ref() {
            "a" | "an" => {
                if self.lw(i + 1) == "few" {
                    return Some((i + 2, Num::Vague));
                }
                if self.lw(i + 1) == "couple" {
                    let e = if self.lw(i + 2) == "of" { i + 3 } else { i + 2 };
                    return Some((e, Num::Vague));
                }
                return Some((i + 1, Num::Article));
            }
            _ => {}
        }
        match self.info(i).num? {
            NumWord::Cardinal(v) => {
                let mut v = v;
                let mut e = i + 1;
                // twenty-five
                if let (Some(n), true) = (self.ws.get(e), (20.0..100.0).contains(&v)) {
                    if n.hyph {
                        if let Some(NumWord::Cardinal(u)) = self.lex.info(n.id).num {
                            if u < 10.0 {
                                v += u;
                                e += 1;
                            }
                        }
                    }
                }
                // two and a half
                if self.lw(e) == "and" && self.lw(e + 1) == "a" && self.lw(e + 2) == "half" {
                    v += 0.5;
                    e += 3;
                }
                Some((e, Num::Known(v)))
            }
            NumWord::Vague => {
                let e = if self.lw(i) == "couple" && self.lw(i + 1) == "of" {
                    i + 2
                } else {
                    i + 1
                };
                Some((e, Num::Vague))
            }
            NumWord::Ordinal(_) => None,
        }
    }

    /// A day of the month: `3`, `3rd`, `31st`.
    fn day_num(&self, i: usize) -> Option<(usize, u32)> {
        let w = self.ws.get(i)?;
        let digits: String = w.lower.chars().take_while(char::is_ascii_digit).collect();
        let rest = &w.lower[digits.len()..];
        if digits.is_empty() || digits.len() > 2 || !matches!(rest, "" | "st" | "nd" | "rd" | "th")
        {
            return None;
        }
        let d: u32 = digits.parse().ok()?;
        (1..=31).contains(&d).then_some((i + 1, d))
    }

    /// A year: `2008`, `'82`.
    fn year_num(&self, i: usize) -> Option<(usize, i32)> {
        let w = self.ws.get(i)?;
        let l = w.lower.as_ref();
        if w.kind == TokenKind::Number && l.len() == 4 && l.chars().all(|c| c.is_ascii_digit()) {
            let y: i32 = l.parse().ok()?;
            return (1000..=2100).contains(&y).then_some((i + 1, y));
        }
        // '82 needs a preposition before it ("since '82"; "iLife '11" is a name).
        let cue = || {
            i.checked_sub(1)
                .is_some_and(|p| self.has(p, Role::MonthCue))
        };
        if let Some(d) = l.strip_prefix('\'').filter(|_| cue()) {
            if d.len() == 2 && d.chars().all(|c| c.is_ascii_digit()) {
                let yy: i32 = d.parse().ok()?;
                return Some((i + 1, if yy <= 30 { 2000 + yy } else { 1900 + yy }));
            }
        }
        None
    }

    fn cal(&self, i: usize) -> Option<&crate::lexicon::CalName> {
        self.info(i).cal.as_ref()
    }

    /// A month name (capitalised), with the dot of an abbreviation: (end, month, abbr, ambiguous).
    fn month_name(&self, i: usize) -> Option<(usize, u32, bool, bool)> {
        let w = self.ws.get(i)?;
        let c = self.cal(i)?;
        let CalKind::Month(m) = c.kind else {
            return None;
        };
        if !w.cap || !(1..=12).contains(&m) {
            return None;
        }
        let end = if c.abbr && self.lw(i + 1) == "." {
            i + 2
        } else {
            i + 1
        };
        Some((end, m, c.abbr, c.ambiguous))
    }

    fn weekday_name(&self, i: usize) -> Option<(usize, u32, bool)> {
        let w = self.ws.get(i)?;
        let c = self.cal(i)?;
        let CalKind::Weekday(d) = c.kind else {
            return None;
        };
        if !w.cap {
            return None;
        }
        let end = if c.abbr && self.lw(i + 1) == "." {
            i + 2
        } else {
            i + 1
        };
        Some((end, d, c.abbr))
    }

    fn part_of_day(&self, i: usize) -> Option<String> {
        match &self.cal(i)?.kind {
            CalKind::Part(p) => Some(format!("T{p}")),
            _ => None,
        }
    }

    /// "this year" / "last year" / "next year" / "the year" / a year number.
    fn year_spec(&self, i: usize) -> Option<(usize, YearRef)> {
        if let Some((e, y)) = self.year_num(i) {
            return Some((e, YearRef::Abs(y)));
        }
        let rel = match self.lw(i) {
            "this" | "the" => 0,
            "last" | "previous" => -1,
            "next" => 1,
            _ => return None,
        };
        (self.lw(i + 1) == "year").then_some((i + 2, YearRef::Rel(rel)))
    }

    fn dir_word(&self, i: usize) -> Option<Dir> {
        match self.lw(i) {
            "last" | "past" => Some(Dir::Last),
            "next" | "coming" => Some(Dir::Next),
            "this" => Some(Dir::This),
            _ => None,
        }
    }

    // ---- rules ----

    fn phrase(&self, i: usize, in_mod: bool) -> Option<M> {
        let mut best: Option<(usize, &crate::lexicon::Phrase)> = None;
        for &k in &self.info(i).phrases {
            let Some(p) = self.lex.phrases.get(usize::from(k)) else {
                continue;
            };
            if p.modonly && !in_mod {
                continue;
            }
            if let Some(e) = self.ids_at(i, &p.ids) {
                if best.is_none_or(|(b, _)| e > b) {
                    // "now-cancelled", "soon-to-open": the first part of a compound word.
                    if self.ws.get(e).is_some_and(|w| w.hyph) {
                        continue;
                    }
                    if p.anchor
                        && !(e >= self.ws.len()
                            || self.is_punct(e)
                            || self.has(e, Role::AnchorFollow))
                    {
                        continue;
                    }
                    if p.rate && !self.rate_before(i) {
                        continue;
                    }
                    best = Some((e, p));
                }
            }
        }
        let (end, p) = best?;
        let kind = match p.kind.as_str() {
            "TIME" => TimexType::Time,
            "DURATION" => TimexType::Duration,
            "SET" => TimexType::Set,
            _ => TimexType::Date,
        };
        Some((end, kind, parse_value(&p.value)?))
    }

    /// "15 a year", "twice a week".
    fn rate_before(&self, i: usize) -> bool {
        let Some(p) = i.checked_sub(1) else {
            return false;
        };
        let w = &self.ws[p];
        w.kind == TokenKind::Number
            || matches!(self.info(p).num, Some(NumWord::Cardinal(_)))
            || self.has(p, Role::SetRate)
    }

    fn modified(&self, i: usize) -> Option<Cand> {
        let mut best: Option<Cand> = None;
        for &k in &self.info(i).modifiers {
            let Some(m) = self.lex.modifiers.get(usize::from(k)) else {
                continue;
            };
            let Some(j) = self.ids_at(i, &m.ids) else {
                continue;
            };
            let Some(inner) = self.best_at(j, true) else {
                continue;
            };
            let fits = match inner.kind {
                TimexType::Duration => m.on_duration,
                TimexType::Set => false,
                _ => m.on_date,
            };
            if fits && best.as_ref().is_none_or(|b| inner.end > b.end) {
                best = Some(Cand {
                    start: i,
                    end: inner.end,
                    kind: inner.kind,
                    val: inner.val,
                    modifier: Some(m.value.clone()),
                });
            }
        }
        best
    }

    fn date(&self, i: usize) -> Option<M> {
        let w = self.ws.get(i)?;
        let l = w.lower.as_ref();
        // 2008-03-01
        if l.len() == 10 && l.as_bytes().get(4) == Some(&b'-') {
            let d = chrono::NaiveDate::parse_from_str(l, "%Y-%m-%d").ok()?;
            return Some((
                i + 1,
                TimexType::Date,
                Val::Lit(d.format("%Y-%m-%d").to_string()),
            ));
        }
        // 7/8/07 (month first)
        if w.kind == TokenKind::Number && self.lw(i + 1) == "/" && self.lw(i + 3) == "/" {
            let m: u32 = l.parse().ok()?;
            let (_, d) = self.day_num(i + 2)?;
            let yw = self.ws.get(i + 4)?;
            let y: i32 = yw.lower.parse().ok()?;
            let y = match yw.lower.len() {
                2 => {
                    if y <= 30 {
                        2000 + y
                    } else {
                        1900 + y
                    }
                }
                4 => y,
                _ => return None,
            };
            let date = chrono::NaiveDate::from_ymd_opt(y, m, d)?;
            return Some((
                i + 5,
                TimexType::Date,
                Val::Lit(date.format("%Y-%m-%d").to_string()),
            ));
        }
        // the 11th of December [2009]
        if l == "the" {
            let (e, d) = self.day_num(i + 1)?;
            if self.lw(e) != "of" {
                return None;
            }
            let (e, m, _, _) = self.month_name(e + 1)?;
            return Some(self.with_year(e, m, Some(d)));
        }
        // 11 December [2009]
        if let Some((e, d)) = self.day_num(i) {
            let (e, m, _, _) = self.month_name(e)?;
            return Some(self.with_year(e, m, Some(d)));
        }
        // last September / next May: the nearest one before / after
        if let Some(dir) = self
            .dir_word(i)
            .filter(|_| matches!(self.lw(i), "last" | "next" | "this"))
        {
            let (e, m, abbr, _) = self.month_name(i + 1)?;
            if abbr {
                return None;
            }
            return Some((
                e,
                TimexType::Date,
                Val::MonthDay {
                    month: m,
                    day: None,
                    year: YearRef::Dir(dir),
                },
            ));
        }
        let (e, m, abbr, ambiguous) = self.month_name(i)?;
        // March 3[,] [2008]
        if let Some((e2, d)) = self.day_num(e) {
            // "May 2008" is a month and year: a day number is at most two digits.
            return Some(self.with_year(e2, m, Some(d)));
        }
        // November 2006 / October of 2007
        let of = if self.lw(e) == "of" { e + 1 } else { e };
        // "October of next year": the year phrase is its own expression but fixes the month's.
        if of > e {
            if let Some((_, year @ YearRef::Rel(_))) = self.year_spec(of) {
                return Some((
                    e,
                    TimexType::Date,
                    Val::MonthDay {
                        month: m,
                        day: None,
                        year,
                    },
                ));
            }
        }
        if let Some((e2, y)) = self.year_num(of) {
            return Some((
                e2,
                TimexType::Date,
                Val::MonthDay {
                    month: m,
                    day: None,
                    year: YearRef::Abs(y),
                },
            ));
        }
        if abbr {
            return None;
        }
        if ambiguous {
            let cue = i
                .checked_sub(1)
                .is_some_and(|p| self.has(p, Role::MonthCue));
            if !cue {
                return None;
            }
        }
        Some((
            e,
            TimexType::Date,
            Val::MonthDay {
                month: m,
                day: None,
                year: YearRef::Dir(Dir::Tense),
            },
        ))
    }

    /// After "March 3" or "3 March": an optional ", 2008" or "2008".
    fn with_year(&self, e: usize, m: u32, d: Option<u32>) -> M {
        let comma = if self.lw(e) == "," { e + 1 } else { e };
        let (end, year) = match self.year_num(comma) {
            Some((e2, y)) => (e2, YearRef::Abs(y)),
            None => (e, YearRef::Dir(Dir::Tense)),
        };
        (
            end,
            TimexType::Date,
            Val::MonthDay {
                month: m,
                day: d,
                year,
            },
        )
    }

    fn weekday(&self, i: usize) -> Option<M> {
        let (j, dir) = match self.dir_word(i) {
            Some(d) if self.lw(i) != "past" && self.lw(i) != "coming" => (i + 1, d),
            _ => (i, Dir::Tense),
        };
        let (e, wd, abbr) = self.weekday_name(j)?;
        // Monday, March 3, 2008: the date says it all.
        let comma = if self.lw(e) == "," { e + 1 } else { e };
        if let Some((e2, TimexType::Date, v @ Val::MonthDay { day: Some(_), .. })) =
            self.date(comma)
        {
            return Some((e2, TimexType::Date, v));
        }
        if abbr {
            return None;
        }
        if let Some(suffix) = self.part_of_day(e) {
            return Some((e + 1, TimexType::Time, Val::Weekday { wd, dir, suffix }));
        }
        Some((
            e,
            TimexType::Date,
            Val::Weekday {
                wd,
                dir,
                suffix: String::new(),
            },
        ))
    }

    fn clock(&self, i: usize) -> Option<M> {
        let w = self.ws.get(i)?;
        let l = w.lower.as_ref();
        let (mut e, mut hour, minute, needs_marker) = if l == "noon" {
            (i + 1, 12, 0, false)
        } else if l == "midnight" {
            (i + 1, 24, 0, false)
        } else if w.kind == TokenKind::Number {
            if let Some((h, m)) = l.split_once(':') {
                let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
                if h > 24 || m > 59 || l.len() > 5 {
                    return None;
                }
                (i + 1, h, m, false)
            } else if l.len() == 4 && self.info(i + 1).timezone.is_some() {
                let (h, m): (u32, u32) = (l.get(0..2)?.parse().ok()?, l.get(2..4)?.parse().ok()?);
                if h > 24 || m > 59 {
                    return None;
                }
                (i + 1, h, m, false)
            } else if l.len() <= 2 {
                let h: u32 = l.parse().ok()?;
                (i + 1, h, 0, true)
            } else {
                return None;
            }
        } else {
            // 10am, 10:30pm
            let digits: String = l
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == ':')
                .collect();
            let rest = &l[digits.len()..];
            if digits.is_empty() || !self.lex.meridiem.contains_key(rest) {
                return None;
            }
            let (h, m) = digits.split_once(':').unwrap_or((&digits, "0"));
            let (mut h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
            if h > 12 || m > 59 {
                return None;
            }
            if self.lex.meridiem.get(rest).map(String::as_str) == Some("pm") && h < 12 {
                h += 12;
            } else if h == 12 && self.lex.meridiem.get(rest).map(String::as_str) == Some("am") {
                h = 0;
            }
            (i + 1, h, m, false)
        };
        match self.info(e).meridiem.as_deref() {
            Some(mer) if hour <= 12 => {
                if mer == "pm" && hour < 12 {
                    hour += 12;
                } else if mer == "am" && hour == 12 {
                    hour = 0;
                }
                e += 1;
            }
            _ if needs_marker => return None,
            _ => {}
        }
        let mut zone = String::new();
        if let Some(z) = &self.info(e).timezone {
            zone = z.clone();
            e += 1;
        }
        // 12:00 UTC Monday / 16:00 UTC today
        let mut date = None;
        if let Some((e2, _, v)) = self.weekday(e).or_else(|| {
            self.phrase(e, false).filter(|(_, _, v)| {
                matches!(
                    v,
                    Val::Rel {
                        unit: RelUnit::Day,
                        ..
                    }
                )
            })
        }) {
            if matches!(v, Val::Weekday { .. } | Val::Rel { .. }) {
                date = Some(Box::new(v));
                e = e2;
            }
        }
        Some((
            e,
            TimexType::Time,
            Val::Clock {
                hour,
                minute,
                zone,
                date,
            },
        ))
    }

    fn ordinal(&self, i: usize) -> Option<u32> {
        match self.info(i).num {
            Some(NumWord::Ordinal(n)) => Some(n),
            _ => None,
        }
    }

    fn quarter(&self, i: usize) -> Option<M> {
        let l = self.lw(i);
        // Q3 [2009]
        if l.len() == 2 && l.starts_with('q') {
            let q: u32 = l.get(1..)?.parse().ok()?;
            if !(1..=4).contains(&q) {
                return None;
            }
            let (e, year) = match self.year_num(i + 1) {
                Some((e, y)) => (e, YearRef::Abs(y)),
                None => (i + 1, YearRef::Dir(Dir::Tense)),
            };
            return Some((e, TimexType::Date, Val::Quarter { q, year }));
        }
        let j = if l == "the" { i + 1 } else { i };
        let last = self.lw(j) == "last";
        let q = if last { 4 } else { self.ordinal(j)? };
        if !(1..=4).contains(&q) || self.lw(j + 1) != "quarter" {
            return None;
        }
        let e = j + 2;
        if self.lw(e) == "of" {
            if let Some((e2, year)) = self.year_spec(e + 1) {
                return Some((e2, TimexType::Date, Val::Quarter { q, year }));
            }
        }
        if let Some((e2, y)) = self.year_num(e) {
            return Some((
                e2,
                TimexType::Date,
                Val::Quarter {
                    q,
                    year: YearRef::Abs(y),
                },
            ));
        }
        if last {
            return None; // "the last quarter" is a phrase (the previous quarter)
        }
        Some((
            e,
            TimexType::Date,
            Val::Quarter {
                q,
                year: YearRef::Dir(Dir::Tense),
            },
        ))
    }

    fn season(&self, i: usize) -> Option<M> {
        let (j, dir) = match self.dir_word(i) {
            Some(d) if self.lw(i) != "past" && self.lw(i) != "coming" => (i + 1, d),
            _ => (i, Dir::Tense),
        };
        let c = self.cal(j)?;
        let CalKind::Season(code) = &c.kind else {
            return None;
        };
        let e = j + 1;
        let of = if self.lw(e) == "of" { e + 1 } else { e };
        if let Some((e2, y)) = self.year_num(of) {
            return Some((
                e2,
                TimexType::Date,
                Val::Season {
                    code: code.clone(),
                    year: YearRef::Abs(y),
                },
            ));
        }
        let prev = j.checked_sub(1).map_or("", |p| self.lw(p));
        if c.ambiguous
            && j == i
            && !matches!(prev, "the" | "in" | "during" | "since" | "until" | "by")
        {
            return None;
        }
        if matches!(prev, "a" | "an") || (c.ambiguous && self.lw(e) == "of") {
            return None;
        }
        let year = if dir == Dir::Tense {
            YearRef::Dir(Dir::Tense)
        } else {
            YearRef::Dir(dir)
        };
        Some((
            e,
            TimexType::Date,
            Val::Season {
                code: code.clone(),
                year,
            },
        ))
    }

    fn decade(&self, i: usize) -> Option<M> {
        let l = self.lw(i);
        // "KC-30s" is a model name.
        if self.ws.get(i).is_some_and(|w| w.hyph) {
            return None;
        }
        let d = l.strip_prefix('\'').unwrap_or(l).strip_suffix('s')?;
        if !d.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let v = match d.len() {
            4 if d.ends_with('0') => d.get(0..3)?.to_string(),
            2 if d.ends_with('0') => {
                let yy: u32 = d.parse().ok()?;
                format!("{}{}", if yy <= 20 { 20 } else { 19 }, &d[0..1])
            }
            _ => return None,
        };
        Some((i + 1, TimexType::Date, Val::Lit(v)))
    }

    fn duration(&self, i: usize) -> Option<M> {
        // every (other) week / each Monday
        if matches!(self.lw(i), "every" | "each") {
            if let Some((e, wd, false)) = self.weekday_name(i + 1) {
                return Some((e, TimexType::Set, Val::Lit(format!("XXXX-WXX-{wd}"))));
            }
            let (k, n) = match self.number(i + 1) {
                Some((k, Num::Known(v))) => (k, Some(v)),
                _ => (i + 1, None),
            };
            let u = self.info(k).unit.as_ref()?;
            return Some((
                k + 1,
                TimexType::Set,
                Val::Lit(period(u, Some(n.unwrap_or(1.0)))),
            ));
        }
        let mut j = i;
        let mut prefix = false;
        for &p in &self.info(i).duration_prefixes {
            let Some(p) = self.lex.duration_prefix_ids.get(usize::from(p)) else {
                continue;
            };
            if let Some(e) = self.ids_at(i, p) {
                if e > j {
                    j = e;
                    prefix = true;
                }
            }
        }
        // Without a count, only "the past decade" / "the past year" are spans of time;
        // "the previous month", "the following day" point at a date.
        let past_prefix = prefix && self.lw(i + 1) == "past";
        let (mut k, num) = match self.number(j) {
            Some((k, n)) => (k, Some(n)),
            None => (j, None),
        };
        // "the past few days": the prefix already holds the count.
        let vague_prefix = prefix && self.lw(j.saturating_sub(1)) == "few";
        while self.has(k, Role::DurationFiller) && k < j + 4 {
            k += 1;
        }
        // "between 60 and 90 days": the first number shares the unit.
        if let Some(Num::Known(v)) = num.filter(|_| matches!(self.lw(k), "and" | "to" | "or")) {
            if let Some((k2, Num::Known(_))) = self.number(k + 1) {
                if let Some(u) = &self.info(k2).unit {
                    return Some((k, TimexType::Duration, Val::Lit(period(u, Some(v)))));
                }
            }
        }
        let unit_word = self.lw(k);
        let u = self.info(k).unit.as_ref()?;
        let plural = unit_word.ends_with('s');
        let count = match num {
            Some(Num::Known(v)) => Some(v),
            Some(Num::Vague) => None,
            Some(Num::Article) => {
                if !u.article {
                    return None;
                }
                Some(1.0)
            }
            None if vague_prefix => None,
            None if past_prefix && !plural => Some(1.0),
            None if prefix && !plural => return None,
            None if plural => {
                let compound = self
                    .ws
                    .get(k + 1)
                    .is_some_and(|w| w.hyph && w.lower == "long");
                if !prefix
                    && !compound
                    && i.checked_sub(1)
                        .is_some_and(|p| self.has(p, Role::NoBareUnitAfter))
                {
                    return None;
                }
                None
            }
            None => return None,
        };
        let end = k + 1;
        if self.lw(end) == "ago" {
            // "a week ago" is a day; "two years ago" is annotated as a span of time.
            if let (Some(n), false) = (count, u.time) {
                let days = match u.code.as_str() {
                    "D" => Some(n * u.mult),
                    "W" => Some(n * u.mult * 7.0),
                    _ => None,
                };
                if let Some(d) = days.filter(|d| d.fract() == 0.0 && *d < 100_000.0) {
                    return Some((
                        end + 1,
                        TimexType::Date,
                        Val::Rel {
                            unit: RelUnit::Day,
                            n: -(d as i64),
                            suffix: String::new(),
                        },
                    ));
                }
            }
            return Some((end + 1, TimexType::Duration, Val::Lit(period(u, count))));
        }
        Some((end, TimexType::Duration, Val::Lit(period(u, count))))
    }

    fn year_alone(&self, i: usize) -> Option<M> {
        let (e, y) = self.year_num(i)?;
        let hyph = self.ws.get(i).is_some_and(|w| w.hyph);
        if let Some(p) = i.checked_sub(1).and_then(|p| self.ws.get(p)) {
            if self.lex.info(p.id).has(Role::NotYearBefore)
                || (p.kind == TokenKind::Number && !hyph)
            {
                return None;
            }
            // "A330-2000" is a model number.
            if hyph
                && (p.cap
                    || p.lower.chars().any(|c| c.is_ascii_digit()) && p.kind != TokenKind::Number)
            {
                return None;
            }
        }
        if self.has(e, Role::NotYearAfter) || self.info(e).unit.is_some() {
            return None;
        }
        Some((e, TimexType::Date, Val::Lit(format!("{y:04}"))))
    }
}

/// `P3D`, `PT30M`, `PXY`, `P2.5Y`.
fn period(u: &crate::lexicon::Unit, count: Option<f64>) -> String {
    let t = if u.time { "T" } else { "" };
    match count {
        Some(n) => {
            let v = n * u.mult;
            let s = if v.fract() == 0.0 {
                format!("{}", v as i64)
            } else {
                format!("{v}")
            };
            format!("P{t}{s}{}", u.code)
        }
        None => format!("P{t}X{}", u.xcode),
    }
}

/// The value notation of phrases.tsv.
fn parse_value(s: &str) -> Option<Val> {
    let Some(rel) = s.strip_prefix('@') else {
        return Some(Val::Lit(s.to_string()));
    };
    let (head, suffix) = match rel.split_once(':') {
        Some((h, x)) => (h, x.to_string()),
        None => (rel, String::new()),
    };
    if head == "REF" {
        return Some(Val::Ref { suffix });
    }
    let pos = head.find(['+', '-'])?;
    let n: i64 = head.get(pos..)?.trim_start_matches('+').parse().ok()?;
    let unit = match head.get(..pos)? {
        "D" => RelUnit::Day,
        "W" => RelUnit::Week,
        "WE" => RelUnit::Weekend,
        "M" => RelUnit::Month,
        "Q" => RelUnit::Quarter,
        "Y" => RelUnit::Year,
        _ => return None,
    };
    Some(Val::Rel { unit, n, suffix })
}

/// How many pieces away a tense cue may be.
const TENSE_WINDOW: usize = 10;

/// A tense cue found at a piece: where it ends and the tense it gives (`None`: a cue that
/// says nothing, which still hides the words it covers).
pub type TenseHit = Option<(usize, Option<Tense>)>;

/// The tense cue starting at each piece of the sentence (computed once, shared by all the
/// expressions of the sentence).
pub fn tense_hits(lex: &Lexicon, ws: &[W]) -> Vec<TenseHit> {
    (0..ws.len()).map(|p| tense_hit(lex, ws, p)).collect()
}

fn tense_hit(lex: &Lexicon, ws: &[W], p: usize) -> TenseHit {
    let w = &ws[p];
    let mut hit: TenseHit = None;
    for &k in &lex.info(w.id).tense {
        let k = usize::from(k);
        let (Some(ids), Some((_, t))) = (lex.tense_ids.get(k), lex.tense.get(k)) else {
            continue;
        };
        let ok = ws
            .get(p..p + ids.len())
            .is_some_and(|got| got.iter().zip(ids).all(|(x, id)| x.id == *id));
        if ok && hit.is_none_or(|(e, _)| p + ids.len() > e) {
            hit = Some((p + ids.len(), *t));
        }
    }
    let passive = p > 0 && lex.info(ws[p - 1].id).has(Role::PassiveAux);
    if passive && matches!(hit, Some((_, Some(Tense::Past)))) {
        hit = Some((p + 1, None));
    }
    if hit.is_none()
        && !passive
        && !w.cap
        && w.lower.len() >= 5
        && w.lower.ends_with("ed")
        && w.lower.chars().all(|c| c.is_alphabetic())
    {
        hit = Some((p + 1, Some(Tense::Past)));
    }
    hit
}

/// The tense nearest to pieces `start..end`: the closest cue word in the sentence (ties go left).
#[cfg(test)]
pub fn tense_near(lex: &Lexicon, ws: &[W], start: usize, end: usize) -> Option<Tense> {
    tense_near_in(&tense_hits(lex, ws), start, end)
}

/// [`tense_near`] over the cues found by [`tense_hits`].
pub fn tense_near_in(hits: &[TenseHit], start: usize, end: usize) -> Option<Tense> {
    let mut best: Option<(usize, Tense)> = None;
    let mut p = 0;
    while p < hits.len() {
        if p >= start && p < end {
            p = end;
            continue;
        }
        let hit = hits[p];
        if let Some((e, Some(t))) = hit {
            let d = if e <= start {
                start - e
            } else {
                p.saturating_sub(end)
            };
            if d <= TENSE_WINDOW && best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, t));
            }
        }
        p = hit.map_or(p + 1, |(e, _)| e.max(p + 1));
    }
    best.map(|(_, t)| t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words::{pieces, Text};
    use onrecord_core::text::tokenize;
    use onrecord_core::Span;

    fn find(t: &str) -> Vec<(String, TimexType, Val, Option<String>)> {
        let lex = Lexicon::builtin();
        let toks = tokenize(t, Span::new(0, t.len()));
        let low = t.to_ascii_lowercase();
        let ws = pieces(
            Text {
                text: t,
                lower: &low,
            },
            &toks,
            &lex,
        );
        Grammar::new(&lex, &ws)
            .find()
            .into_iter()
            .map(|c| {
                (
                    Span::new(ws[c.start].span.start, ws[c.end - 1].span.end)
                        .text(t)
                        .to_string(),
                    c.kind,
                    c.val,
                    c.modifier,
                )
            })
            .collect()
    }

    fn texts(t: &str) -> Vec<String> {
        find(t).into_iter().map(|x| x.0).collect()
    }

    #[test]
    fn months_dates_and_years() {
        assert_eq!(
            texts("He left on March 3, 2008 and Sept. 11 and 11 December."),
            ["March 3, 2008", "Sept. 11", "11 December"]
        );
        assert_eq!(
            texts("It opened 2008-03-01 and on 7/8/07 in November 2006."),
            ["2008-03-01", "7/8/07", "November 2006"]
        );
        let f = find("It happened in 2009.");
        assert_eq!(f[0].2, Val::Lit("2009".into()));
    }

    #[test]
    fn no_ordinals_counts_or_modal_may() {
        assert!(texts("the 45th and 47th President").is_empty());
        assert!(texts("He counted 2,500 votes first.").is_empty());
        assert!(texts("It may rain. May we go? Theresa May spoke.").is_empty());
        assert!(texts("They march on.").is_empty());
        assert_eq!(texts("It happens in May."), ["May"]);
        assert!(texts("It cost $2000 for 1500 people.").is_empty());
    }

    #[test]
    fn durations_and_sets() {
        let f =
            find("for three days, two years and 18 months, a fifty-year life, six straight days");
        let vals: Vec<Val> = f.into_iter().map(|x| x.2).collect();
        assert_eq!(
            vals,
            ["P3D", "P2Y", "P18M", "P50Y", "P6D"].map(|s| Val::Lit(s.into()))
        );
        let f = find("every week, 15 a year, weekly, almost two and a half years");
        assert_eq!(f[0].1, TimexType::Set);
        assert_eq!(f[0].2, Val::Lit("P1W".into()));
        assert_eq!(f[1].0, "a year");
        assert_eq!(f[1].1, TimexType::Set);
        assert_eq!(f[3].2, Val::Lit("P2.5Y".into()));
        assert_eq!(f[3].3.as_deref(), Some("APPROX"));
        assert_eq!(texts("in the hours after he won"), Vec::<String>::new());
        let f = find("between 60 and 90 days");
        assert_eq!((f[0].0.as_str(), &f[0].2), ("60", &Val::Lit("P60D".into())));
        assert!(texts("the KC-30s flew").is_empty());
    }

    #[test]
    fn modifiers_and_quarters() {
        let f = find("at the beginning of 2022 and in mid-2011, the third quarter of last year");
        assert_eq!(f[0].0, "the beginning of 2022");
        assert_eq!(f[0].3.as_deref(), Some("START"));
        assert_eq!(f[1].0, "mid-2011");
        assert_eq!(f[1].3.as_deref(), Some("MID"));
        assert_eq!(
            f[2].2,
            Val::Quarter {
                q: 3,
                year: YearRef::Rel(-1)
            }
        );
        assert_eq!(find("the end of the year")[0].3.as_deref(), Some("END"));
    }

    #[test]
    fn weekdays_times_and_phrases() {
        let f = find("on Monday morning at 10:30 a.m. and 18:00 UTC, now, last year, the 1990s");
        assert_eq!(f[0].0, "Monday morning");
        assert_eq!(f[0].1, TimexType::Time);
        assert_eq!(
            f[1].2,
            Val::Clock {
                hour: 10,
                minute: 30,
                zone: String::new(),
                date: None
            }
        );
        assert_eq!(
            f[2].2,
            Val::Clock {
                hour: 18,
                minute: 0,
                zone: "Z".into(),
                date: None
            }
        );
        assert_eq!(f[3].2, Val::Lit("PRESENT_REF".into()));
        assert_eq!(
            f[4].2,
            Val::Rel {
                unit: RelUnit::Year,
                n: -1,
                suffix: String::new()
            }
        );
        assert_eq!(f[5].0, "1990s");
        assert_eq!(f[5].2, Val::Lit("199".into()));
    }

    /// The gate never hides a match: wherever it says no, no rule matches either.
    fn check_gate(t: &str) {
        let lex = Lexicon::builtin();
        let toks = tokenize(t, Span::new(0, t.len()));
        let low = t.to_ascii_lowercase();
        let ws = pieces(
            Text {
                text: t,
                lower: &low,
            },
            &toks,
            &lex,
        );
        let g = Grammar::new(&lex, &ws);
        for i in 0..=ws.len() {
            if !g.may_start(i) {
                for in_mod in [false, true] {
                    assert_eq!(g.rules_at(i, in_mod), None, "{t:?} at piece {i}");
                }
            }
        }
    }

    #[test]
    fn gate_hides_no_match() {
        for t in [
            "He left on March 3, 2008 and Sept. 11 and 11 December, the 11th of May 2009.",
            "It opened 2008-03-01 and on 7/8/07 in November 2006, +200-03-01, 12:30pm, :30pm.",
            "at 10am, 10:30 p.m. 1600 GMT, noon, midnight Monday, Q3 2009, the first quarter.",
            "every week, each Monday, twice a year, a few days, the past decade, several years.",
            "the 1990s, '90s, the '80s, since '82, mid-2011, decades-long, now-cancelled.",
            "recently, the end of the year, later this month, early next week, last spring.",
            "another two months, additional days, some weeks ago, three days ago, yesterday's.",
        ] {
            check_gate(t);
        }
    }

    #[test]
    fn tense_from_nearest_cue() {
        let lex = Lexicon::builtin();
        let t = |s: &str, w: &str| {
            let toks = tokenize(s, Span::new(0, s.len()));
            let low = s.to_ascii_lowercase();
            let ws = pieces(
                Text {
                    text: s,
                    lower: &low,
                },
                &toks,
                &lex,
            );
            let i = ws.iter().position(|x| x.lower == w).unwrap();
            tense_near(&lex, &ws, i, i + 1)
        };
        assert_eq!(
            t("Trump spoke with Putin on Thursday in a call", "thursday"),
            Some(Tense::Past)
        );
        assert_eq!(
            t("The trial is set to begin on Wednesday", "wednesday"),
            Some(Tense::Future)
        );
        assert_eq!(t("He will visit on Friday", "friday"), Some(Tense::Future));
        assert_eq!(
            t("Apple announced Friday that it will", "friday"),
            Some(Tense::Past)
        );
        assert_eq!(t("The United States is big on Friday", "friday"), None);
    }
}

//! TIMEX3 values, and their resolution against the publication date.

use chrono::{Datelike, Duration, NaiveDate};

use crate::lexicon::Tense;

/// Which way a bare calendar name points from the anchor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Decided by the tense of the sentence.
    Tense,
    /// "last Monday": strictly before.
    Last,
    /// "next Monday": strictly after.
    Next,
    /// "this Monday": the one of the anchor's week.
    This,
}

/// How a year is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YearRef {
    Abs(i32),
    /// Relative to the anchor's year ("last year" = -1).
    Rel(i32),
    Dir(Dir),
}

/// Relative calendar units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelUnit {
    Day,
    Week,
    Weekend,
    Month,
    Quarter,
    Year,
}

/// A time value before resolution.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// Final already: `PRESENT_REF`, `P3D`, `2009`, `197`.
    Lit(String),
    /// `n` units from the anchor, with a part-of-day suffix (`TNI`).
    Rel {
        unit: RelUnit,
        n: i64,
        suffix: String,
    },
    /// The day the text is talking about.
    Ref {
        suffix: String,
    },
    /// A month (and day) without a year.
    MonthDay {
        month: u32,
        day: Option<u32>,
        year: YearRef,
    },
    /// A weekday, ISO numbered (Monday = 1).
    Weekday {
        wd: u32,
        dir: Dir,
        suffix: String,
    },
    Quarter {
        q: u32,
        year: YearRef,
    },
    Season {
        code: String,
        year: YearRef,
    },
    /// A clock time; `date` is the day it is on, when the expression gives one.
    Clock {
        hour: u32,
        minute: u32,
        zone: String,
        date: Option<Box<Val>>,
    },
}

/// What resolution may use besides the value itself.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    pub anchor: Option<NaiveDate>,
    pub tense: Option<Tense>,
    /// The last full date mentioned before the expression (for "the day", clock times).
    pub reference: Option<NaiveDate>,
}

/// A resolved value: the TIMEX3 string, whether it needed and found an anchor, and the full
/// date it denotes when it is one (to serve as a later reference).
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub value: String,
    pub resolved: bool,
    pub day: Option<NaiveDate>,
}

fn fmt_day(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

fn add_months(y: i32, m: u32, n: i64) -> (i32, u32) {
    let total = i64::from(y) * 12 + i64::from(m) - 1 + n;
    (
        total.div_euclid(12) as i32,
        (total.rem_euclid(12) + 1) as u32,
    )
}

fn year_of(
    year: YearRef,
    anchor: NaiveDate,
    tense: Option<Tense>,
    later_in_year: bool,
    earlier_in_year: bool,
) -> i32 {
    let y = anchor.year();
    let dir = match year {
        YearRef::Abs(v) => return v,
        YearRef::Rel(n) => return y + n,
        YearRef::Dir(d) => d,
    };
    let past = match dir {
        Dir::Last => true,
        Dir::Next => false,
        Dir::This => return y,
        Dir::Tense => match tense {
            Some(Tense::Past) => true,
            Some(Tense::Future) => false,
            None => return y,
        },
    };
    if past && later_in_year {
        y - 1
    } else if !past && earlier_in_year {
        y + 1
    } else {
        y
    }
}

/// Resolves a value. Never reads the clock: without an anchor, relative values come back with
/// TimeML `X` placeholders and `resolved: false`.
pub fn resolve(val: &Val, ctx: &Ctx) -> Resolved {
    let lit = |s: String, day: Option<NaiveDate>| Resolved {
        value: s,
        resolved: true,
        day,
    };
    let open = |s: String| Resolved {
        value: s,
        resolved: false,
        day: None,
    };
    match val {
        Val::Lit(s) => {
            let day = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
            lit(s.clone(), day)
        }
        Val::Rel { unit, n, suffix } => {
            let Some(a) = ctx.anchor else {
                let v = match unit {
                    RelUnit::Day => "XXXX-XX-XX",
                    RelUnit::Week => "XXXX-WXX",
                    RelUnit::Weekend => "XXXX-WXX-WE",
                    RelUnit::Month => "XXXX-XX",
                    RelUnit::Quarter => "XXXX-QX",
                    RelUnit::Year => "XXXX",
                };
                return open(format!("{v}{suffix}"));
            };
            match unit {
                RelUnit::Day => match a.checked_add_signed(Duration::days(*n)) {
                    Some(d) => lit(
                        format!("{}{suffix}", fmt_day(d)),
                        suffix.is_empty().then_some(d),
                    ),
                    None => open(format!("XXXX-XX-XX{suffix}")),
                },
                RelUnit::Week | RelUnit::Weekend => match a.checked_add_signed(Duration::weeks(*n))
                {
                    Some(d) => {
                        let w = d.iso_week();
                        let we = if *unit == RelUnit::Weekend { "-WE" } else { "" };
                        lit(format!("{:04}-W{:02}{we}", w.year(), w.week()), None)
                    }
                    None => open("XXXX-WXX".into()),
                },
                RelUnit::Month => {
                    let (y, m) = add_months(a.year(), a.month(), *n);
                    lit(format!("{y:04}-{m:02}"), None)
                }
                RelUnit::Quarter => {
                    let q0 = i64::from((a.month() - 1) / 3);
                    let t = i64::from(a.year()) * 4 + q0 + n;
                    lit(
                        format!("{:04}-Q{}", t.div_euclid(4), t.rem_euclid(4) + 1),
                        None,
                    )
                }
                RelUnit::Year => lit(format!("{:04}", i64::from(a.year()) + n), None),
            }
        }
        Val::Ref { suffix } => match ctx.reference.or(ctx.anchor) {
            Some(d) => lit(
                format!("{}{suffix}", fmt_day(d)),
                suffix.is_empty().then_some(d),
            ),
            None => open(format!("XXXX-XX-XX{suffix}")),
        },
        Val::MonthDay { month, day, year } => {
            let (m, d) = (*month, *day);
            let Some(a) = ctx.anchor else {
                if let YearRef::Abs(y) = year {
                    return lit(month_day(*y, m, d), None);
                }
                return open(match d {
                    Some(d) => format!("XXXX-{m:02}-{d:02}"),
                    None => format!("XXXX-{m:02}"),
                });
            };
            let key = (m, d.unwrap_or(0));
            let akey = (a.month(), if d.is_some() { a.day() } else { 0 });
            // "last October" said in October is a year back; "October" in a past sentence is this one.
            let strict = matches!(year, YearRef::Dir(Dir::Last | Dir::Next));
            let (later, earlier) = if strict {
                (key >= akey, key <= akey)
            } else {
                (key > akey, key < akey)
            };
            let mut y = year_of(*year, a, ctx.tense, later, earlier);
            if *year == YearRef::Dir(Dir::Tense) && ctx.tense.is_none() {
                // No tense: the nearest such date.
                let diff = (i64::from(m) - i64::from(a.month())) * 31
                    + (i64::from(d.unwrap_or(a.day())) - i64::from(a.day()));
                if diff > 183 {
                    y -= 1;
                } else if diff < -183 {
                    y += 1;
                }
            }
            let s = month_day(y, m, d);
            let day = d.and_then(|d| NaiveDate::from_ymd_opt(y, m, d));
            lit(s, day)
        }
        Val::Weekday { wd, dir, suffix } => {
            let Some(a) = ctx.anchor else {
                return open(format!("XXXX-WXX-{wd}{suffix}"));
            };
            let cur = i64::from(a.weekday().number_from_monday());
            let wd_i = i64::from(*wd);
            let back = (cur - wd_i).rem_euclid(7); // days back to the last such weekday (0 = today)
            let fwd = (wd_i - cur).rem_euclid(7);
            let offset = match dir {
                Dir::Last => -(if back == 0 { 7 } else { back }),
                Dir::Next => {
                    if fwd == 0 {
                        7
                    } else {
                        fwd
                    }
                }
                Dir::This => wd_i - cur,
                Dir::Tense => {
                    if back == 0 {
                        0
                    } else if ctx.tense == Some(Tense::Future) {
                        fwd
                    } else {
                        -back
                    }
                }
            };
            match a.checked_add_signed(Duration::days(offset)) {
                Some(d) => lit(
                    format!("{}{suffix}", fmt_day(d)),
                    suffix.is_empty().then_some(d),
                ),
                None => open(format!("XXXX-WXX-{wd}{suffix}")),
            }
        }
        Val::Quarter { q, year } => match ctx.anchor {
            None => match year {
                YearRef::Abs(y) => lit(format!("{y:04}-Q{q}"), None),
                _ => open(format!("XXXX-Q{q}")),
            },
            Some(a) => {
                let cq = (a.month() - 1) / 3 + 1;
                let y = year_of(*year, a, ctx.tense, *q > cq, *q < cq);
                lit(format!("{y:04}-Q{q}"), None)
            }
        },
        Val::Season { code, year } => match ctx.anchor {
            None => match year {
                YearRef::Abs(y) => lit(format!("{y:04}-{code}"), None),
                _ => open(format!("XXXX-{code}")),
            },
            Some(a) => {
                let order = |c: &str| match c {
                    "WI" => 0,
                    "SP" => 1,
                    "SU" => 2,
                    _ => 3,
                };
                let cur = match a.month() {
                    12 | 1 | 2 => 0,
                    3..=5 => 1,
                    6..=8 => 2,
                    _ => 3,
                };
                let s = order(code);
                let y = year_of(*year, a, ctx.tense, s > cur, s < cur);
                lit(format!("{y:04}-{code}"), None)
            }
        },
        Val::Clock {
            hour,
            minute,
            zone,
            date,
        } => {
            let base = match date {
                Some(v) => resolve(v, ctx),
                None => match ctx.reference.or(ctx.anchor) {
                    Some(d) => Resolved {
                        value: fmt_day(d),
                        resolved: true,
                        day: Some(d),
                    },
                    None => Resolved {
                        value: "XXXX-XX-XX".into(),
                        resolved: false,
                        day: None,
                    },
                },
            };
            Resolved {
                value: format!("{}T{hour:02}:{minute:02}{zone}", base.value),
                resolved: base.resolved,
                day: None,
            }
        }
    }
}

fn month_day(y: i32, m: u32, d: Option<u32>) -> String {
    match d {
        Some(d) => format!("{y:04}-{m:02}-{d:02}"),
        None => format!("{y:04}-{m:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(a: &str, tense: Option<Tense>) -> Ctx {
        Ctx {
            anchor: NaiveDate::parse_from_str(a, "%Y-%m-%d").ok(),
            tense,
            reference: None,
        }
    }

    fn v(val: Val, c: &Ctx) -> String {
        resolve(&val, c).value
    }

    #[test]
    fn weekdays_follow_tense_and_same_day_is_today() {
        let wd = |wd, dir| Val::Weekday {
            wd,
            dir,
            suffix: String::new(),
        };
        // 2024-11-11 is a Monday.
        let past = ctx("2024-11-11", Some(Tense::Past));
        let fut = ctx("2024-11-11", Some(Tense::Future));
        assert_eq!(v(wd(4, Dir::Tense), &past), "2024-11-07");
        assert_eq!(v(wd(4, Dir::Tense), &fut), "2024-11-14");
        assert_eq!(v(wd(1, Dir::Tense), &past), "2024-11-11");
        assert_eq!(v(wd(1, Dir::Tense), &fut), "2024-11-11");
        assert_eq!(v(wd(1, Dir::Last), &past), "2024-11-04");
        assert_eq!(v(wd(1, Dir::Next), &past), "2024-11-18");
        assert_eq!(v(wd(4, Dir::Tense), &ctx("2024-11-11", None)), "2024-11-07");
    }

    #[test]
    fn months_follow_tense() {
        let md = |m, d| Val::MonthDay {
            month: m,
            day: d,
            year: YearRef::Dir(Dir::Tense),
        };
        assert_eq!(
            v(md(10, None), &ctx("2004-11-24", Some(Tense::Past))),
            "2004-10"
        );
        assert_eq!(
            v(md(12, None), &ctx("2004-11-24", Some(Tense::Past))),
            "2003-12"
        );
        assert_eq!(
            v(md(10, None), &ctx("2009-06-05", Some(Tense::Future))),
            "2009-10"
        );
        assert_eq!(
            v(md(3, None), &ctx("2009-06-05", Some(Tense::Future))),
            "2010-03"
        );
        assert_eq!(
            v(md(11, Some(11)), &ctx("2005-11-05", Some(Tense::Future))),
            "2005-11-11"
        );
        assert_eq!(v(md(1, Some(3)), &ctx("2005-12-20", None)), "2006-01-03");
    }

    #[test]
    fn relative_units() {
        let c = ctx("2004-11-24", None);
        let rel = |unit, n| Val::Rel {
            unit,
            n,
            suffix: String::new(),
        };
        assert_eq!(v(rel(RelUnit::Week, -1), &c), "2004-W47");
        assert_eq!(v(rel(RelUnit::Year, -1), &c), "2003");
        assert_eq!(v(rel(RelUnit::Month, 2), &c), "2005-01");
        assert_eq!(v(rel(RelUnit::Quarter, -1), &c), "2004-Q3");
        assert_eq!(v(rel(RelUnit::Quarter, 1), &c), "2005-Q1");
        assert_eq!(v(rel(RelUnit::Day, -1), &c), "2004-11-23");
    }

    #[test]
    fn quarters_and_seasons() {
        let q = Val::Quarter {
            q: 4,
            year: YearRef::Dir(Dir::Tense),
        };
        assert_eq!(
            v(q.clone(), &ctx("2007-03-13", Some(Tense::Past))),
            "2006-Q4"
        );
        assert_eq!(v(q, &ctx("2006-08-19", Some(Tense::Future))), "2006-Q4");
        let s = Val::Season {
            code: "SP".into(),
            year: YearRef::Dir(Dir::Tense),
        };
        assert_eq!(v(s, &ctx("2009-04-01", None)), "2009-SP");
    }

    #[test]
    fn no_anchor_gives_placeholders_unresolved() {
        let c = ctx("", None);
        let r = resolve(
            &Val::Weekday {
                wd: 4,
                dir: Dir::Tense,
                suffix: String::new(),
            },
            &c,
        );
        assert_eq!((r.value.as_str(), r.resolved), ("XXXX-WXX-4", false));
        let r = resolve(
            &Val::Rel {
                unit: RelUnit::Year,
                n: -1,
                suffix: String::new(),
            },
            &c,
        );
        assert_eq!((r.value.as_str(), r.resolved), ("XXXX", false));
        let r = resolve(
            &Val::Rel {
                unit: RelUnit::Day,
                n: 0,
                suffix: String::new(),
            },
            &c,
        );
        assert_eq!((r.value.as_str(), r.resolved), ("XXXX-XX-XX", false));
        let r = resolve(&Val::Lit("PRESENT_REF".into()), &c);
        assert!(r.resolved);
        let r = resolve(
            &Val::MonthDay {
                month: 3,
                day: Some(3),
                year: YearRef::Abs(2008),
            },
            &c,
        );
        assert_eq!((r.value.as_str(), r.resolved), ("2008-03-03", true));
    }

    #[test]
    fn clock_times_take_the_reference_day() {
        let mut c = ctx("2009-12-16", None);
        c.reference = NaiveDate::from_ymd_opt(2009, 12, 15);
        let t = Val::Clock {
            hour: 18,
            minute: 0,
            zone: "Z".into(),
            date: None,
        };
        assert_eq!(v(t, &c), "2009-12-15T18:00Z");
    }
}

//! The linguistic knowledge of the tagger, read from the tables in `data/`.

use std::collections::HashMap;

use onrecord_core::lexicon::Table;

/// A calendar name: month, weekday, season or part of day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalKind {
    Month(u32),
    Weekday(u32),
    Season(String),
    Part(String),
}

#[derive(Debug, Clone)]
pub struct CalName {
    pub kind: CalKind,
    /// Only counts before a day or year number.
    pub abbr: bool,
    /// Also a common word: needs a number after or a cue before.
    pub ambiguous: bool,
}

/// A number word.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NumWord {
    Cardinal(f64),
    Ordinal(u32),
    Vague,
}

/// A time unit.
#[derive(Debug, Clone)]
pub struct Unit {
    /// TimeML unit letter (Y, M, W, D, Q, H, S).
    pub code: String,
    pub mult: f64,
    /// Unit used with an unknown count (`PXDE` for "decades").
    pub xcode: String,
    /// Clock units (`PT3H`).
    pub time: bool,
    /// "a day" / "an hour" is a duration.
    pub article: bool,
}

#[derive(Debug, Clone)]
pub struct Modifier {
    pub words: Vec<String>,
    pub value: String,
    pub on_date: bool,
    pub on_duration: bool,
}

#[derive(Debug, Clone)]
pub struct Phrase {
    pub words: Vec<String>,
    pub kind: String,
    pub value: String,
    pub modonly: bool,
    pub anchor: bool,
    pub rate: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tense {
    Past,
    Future,
}

/// All tables, parsed.
#[derive(Debug, Clone)]
pub struct Lexicon {
    pub calendar: HashMap<String, CalName>,
    pub numbers: HashMap<String, NumWord>,
    pub units: HashMap<String, Unit>,
    pub modifiers: Vec<Modifier>,
    pub phrases: Vec<Phrase>,
    pub tense: Vec<(Vec<String>, Option<Tense>)>,
    /// role -> words (context.tsv).
    pub context: HashMap<String, Vec<String>>,
    /// Multi-word context entries (duration prefixes), split.
    pub duration_prefixes: Vec<Vec<String>>,
    /// timezone word -> value suffix ("Z" or "").
    pub timezones: HashMap<String, String>,
    pub meridiem: HashMap<String, String>,
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(|w| w.to_lowercase()).collect()
}

impl Lexicon {
    pub fn builtin() -> Lexicon {
        let cal = Table::builtin("time/calendar.tsv", include_str!("../data/calendar.tsv"), 3);
        let num = Table::builtin("time/numbers.tsv", include_str!("../data/numbers.tsv"), 3);
        let units = Table::builtin("time/units.tsv", include_str!("../data/units.tsv"), 6);
        let mods = Table::builtin(
            "time/modifiers.tsv",
            include_str!("../data/modifiers.tsv"),
            3,
        );
        let phr = Table::builtin("time/phrases.tsv", include_str!("../data/phrases.tsv"), 3);
        let tense = Table::builtin("time/tense.tsv", include_str!("../data/tense.tsv"), 2);
        let ctx = Table::builtin("time/context.tsv", include_str!("../data/context.tsv"), 2);
        Lexicon::from_tables(&cal, &num, &units, &mods, &phr, &tense, &ctx)
    }

    #[allow(clippy::too_many_arguments)]
    fn from_tables(
        cal: &Table,
        num: &Table,
        units: &Table,
        mods: &Table,
        phr: &Table,
        tense: &Table,
        ctx: &Table,
    ) -> Lexicon {
        let field = |r: &Vec<String>, i: usize| r.get(i).cloned().unwrap_or_default();
        let mut calendar = HashMap::new();
        for r in &cal.rows {
            let v = field(r, 2);
            let kind = match field(r, 1).as_str() {
                "month" => CalKind::Month(v.parse().unwrap_or(0)),
                "weekday" => CalKind::Weekday(v.parse().unwrap_or(0)),
                "season" => CalKind::Season(v),
                _ => CalKind::Part(v),
            };
            let flags = field(r, 3);
            calendar.insert(
                r[0].to_lowercase(),
                CalName {
                    kind,
                    abbr: flags.contains("abbr"),
                    ambiguous: flags.contains("ambiguous"),
                },
            );
        }
        let mut numbers = HashMap::new();
        for r in &num.rows {
            let v = field(r, 2);
            let w = match field(r, 1).as_str() {
                "ordinal" => NumWord::Ordinal(v.parse().unwrap_or(0)),
                "vague" => NumWord::Vague,
                _ => NumWord::Cardinal(v.parse().unwrap_or(0.0)),
            };
            numbers.insert(r[0].to_lowercase(), w);
        }
        let units = units
            .rows
            .iter()
            .map(|r| {
                (
                    r[0].to_lowercase(),
                    Unit {
                        code: field(r, 1),
                        mult: field(r, 2).parse().unwrap_or(1.0),
                        xcode: field(r, 3),
                        time: field(r, 4) == "time",
                        article: field(r, 5) == "yes",
                    },
                )
            })
            .collect();
        let modifiers = mods
            .rows
            .iter()
            .map(|r| {
                let applies = field(r, 2);
                Modifier {
                    words: words(&r[0]),
                    value: field(r, 1),
                    on_date: applies != "duration",
                    on_duration: applies != "date",
                }
            })
            .collect();
        let phrases = phr
            .rows
            .iter()
            .map(|r| {
                let flags = field(r, 3);
                Phrase {
                    words: words(&r[0]),
                    kind: field(r, 1),
                    value: field(r, 2),
                    modonly: flags.contains("modonly"),
                    anchor: flags.contains("anchor"),
                    rate: flags.contains("rate"),
                }
            })
            .collect();
        let tense = tense
            .rows
            .iter()
            .map(|r| {
                let t = match field(r, 1).as_str() {
                    "FUTURE" => Some(Tense::Future),
                    "PAST" => Some(Tense::Past),
                    _ => None,
                };
                (words(&r[0]), t)
            })
            .collect();
        let mut context: HashMap<String, Vec<String>> = HashMap::new();
        let mut duration_prefixes = Vec::new();
        let mut timezones = HashMap::new();
        let mut meridiem = HashMap::new();
        for r in &ctx.rows {
            let role = field(r, 1);
            let w = r[0].to_lowercase();
            match role.as_str() {
                "duration_prefix" => duration_prefixes.push(words(&w)),
                "timezone" => {
                    timezones.insert(w, field(r, 2));
                }
                "meridiem" => {
                    meridiem.insert(w, field(r, 2));
                }
                _ => context.entry(role).or_default().push(w),
            }
        }
        Lexicon {
            calendar,
            numbers,
            units,
            modifiers,
            phrases,
            tense,
            context,
            duration_prefixes,
            timezones,
            meridiem,
        }
    }

    /// True when `word` (lower case) has `role` in context.tsv.
    pub fn has(&self, role: &str, word: &str) -> bool {
        self.context
            .get(role)
            .is_some_and(|v| v.iter().any(|w| w == word))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_parse_and_hold_the_basics() {
        let l = Lexicon::builtin();
        assert_eq!(l.calendar.get("march").map(|c| c.ambiguous), Some(true));
        assert!(matches!(
            l.calendar.get("thursday").map(|c| &c.kind),
            Some(CalKind::Weekday(4))
        ));
        assert_eq!(l.numbers.get("three"), Some(&NumWord::Cardinal(3.0)));
        assert_eq!(l.units.get("decades").map(|u| u.xcode.as_str()), Some("DE"));
        assert!(l
            .modifiers
            .iter()
            .any(|m| m.value == "START" && m.words == ["the", "beginning", "of"]));
        assert!(l.has("month_cue", "in"));
        assert_eq!(l.timezones.get("utc").map(String::as_str), Some("Z"));
        assert!(l
            .tense
            .iter()
            .any(|(w, t)| w == &["will"] && *t == Some(Tense::Future)));
    }
}

//! The linguistic knowledge of the tagger, read from the tables in `data/`.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

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
    /// `words` as vocabulary ids.
    pub ids: Vec<u32>,
    pub value: String,
    pub on_date: bool,
    pub on_duration: bool,
}

#[derive(Debug, Clone)]
pub struct Phrase {
    pub words: Vec<String>,
    /// `words` as vocabulary ids.
    pub ids: Vec<u32>,
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

/// The context.tsv roles the grammar asks about, as bits of [`WordInfo::roles`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    MonthCue,
    AnchorFollow,
    SetRate,
    DurationFiller,
    NoBareUnitAfter,
    NotYearBefore,
    NotYearAfter,
    PassiveAux,
}

impl Role {
    const ALL: [Role; 8] = [
        Role::MonthCue,
        Role::AnchorFollow,
        Role::SetRate,
        Role::DurationFiller,
        Role::NoBareUnitAfter,
        Role::NotYearBefore,
        Role::NotYearAfter,
        Role::PassiveAux,
    ];

    fn name(self) -> &'static str {
        match self {
            Role::MonthCue => "month_cue",
            Role::AnchorFollow => "anchor_follow",
            Role::SetRate => "set_rate",
            Role::DurationFiller => "duration_filler",
            Role::NoBareUnitAfter => "no_bare_unit_after",
            Role::NotYearBefore => "not_year_before",
            Role::NotYearAfter => "not_year_after",
            Role::PassiveAux => "passive_aux",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// Id of a word in no table.
pub const UNKNOWN: u32 = 0;

/// Everything the tables say about one word, gathered so that the grammar looks a piece up
/// once per sentence (one hash) instead of once per rule and table.
#[derive(Debug, Clone, Default)]
pub struct WordInfo {
    pub cal: Option<CalName>,
    pub num: Option<NumWord>,
    pub unit: Option<Unit>,
    pub timezone: Option<String>,
    pub meridiem: Option<String>,
    /// Bits of [`Role`].
    pub roles: u16,
    /// Some rule may start at this word (see `Grammar::may_start`).
    pub starts: bool,
    /// Indices of the phrases, modifiers, tense cues and duration prefixes that start with
    /// this word, in table order (so "first longest match wins" is unchanged).
    pub phrases: Vec<u16>,
    pub modifiers: Vec<u16>,
    pub tense: Vec<u16>,
    pub duration_prefixes: Vec<u16>,
}

impl WordInfo {
    pub fn has(&self, role: Role) -> bool {
        self.roles & role.bit() != 0
    }
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
    /// Lower-case word -> id into `info` (id 0 is [`UNKNOWN`]).
    vocab: FxHashMap<String, u32>,
    /// By first byte, bit `min(len, 63)` set when some vocabulary word has that first byte
    /// and byte length: most pieces fail this test and skip hashing.
    first_len: [u64; 256],
    info: Vec<WordInfo>,
    /// `tense` and `duration_prefixes` words as ids.
    pub tense_ids: Vec<Vec<u32>>,
    pub duration_prefix_ids: Vec<Vec<u32>>,
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
                    ids: Vec::new(),
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
                    ids: Vec::new(),
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
        let mut lex = Lexicon {
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
            vocab: FxHashMap::default(),
            first_len: [0; 256],
            info: vec![WordInfo::default()],
            tense_ids: Vec::new(),
            duration_prefix_ids: Vec::new(),
        };
        lex.build_vocab();
        lex
    }

    fn intern(&mut self, w: &str) -> u32 {
        if let Some(&id) = self.vocab.get(w) {
            return id;
        }
        let id = self.info.len() as u32;
        self.vocab.insert(w.to_string(), id);
        if let Some(&b) = w.as_bytes().first() {
            self.first_len[usize::from(b)] |= 1 << w.len().min(63);
        }
        self.info.push(WordInfo::default());
        id
    }

    fn intern_all(&mut self, ws: &[String]) -> Vec<u32> {
        ws.iter().map(|w| self.intern(w)).collect()
    }

    /// Gathers the tables into `vocab` / `info`, the grammar's fast view of them.
    fn build_vocab(&mut self) {
        for w in crate::grammar::GRAMMAR_WORDS {
            let id = self.intern(w);
            self.info[id as usize].starts = true;
        }
        for (w, c) in self.calendar.clone() {
            let id = self.intern(&w);
            self.info[id as usize].cal = Some(c);
        }
        for (w, n) in self.numbers.clone() {
            let id = self.intern(&w);
            self.info[id as usize].num = Some(n);
        }
        for (w, u) in self.units.clone() {
            let id = self.intern(&w);
            self.info[id as usize].unit = Some(u);
        }
        for (w, z) in self.timezones.clone() {
            let id = self.intern(&w);
            self.info[id as usize].timezone = Some(z);
        }
        for (w, m) in self.meridiem.clone() {
            let id = self.intern(&w);
            self.info[id as usize].meridiem = Some(m);
        }
        for role in Role::ALL {
            for w in self.context.get(role.name()).cloned().unwrap_or_default() {
                let id = self.intern(&w);
                self.info[id as usize].roles |= role.bit();
            }
        }
        for k in 0..self.phrases.len() {
            let ids = self.intern_all(&self.phrases[k].words.clone());
            if let Some(&first) = ids.first() {
                self.info[first as usize].phrases.push(k as u16);
            }
            self.phrases[k].ids = ids;
        }
        for k in 0..self.modifiers.len() {
            let ids = self.intern_all(&self.modifiers[k].words.clone());
            if let Some(&first) = ids.first() {
                self.info[first as usize].modifiers.push(k as u16);
            }
            self.modifiers[k].ids = ids;
        }
        // Where a rule may start: a calendar name, number or unit word, the first word of a
        // phrase, modifier or duration prefix, or a duration filler ("additional days").
        for inf in &mut self.info {
            inf.starts |= inf.cal.is_some()
                || inf.num.is_some()
                || inf.unit.is_some()
                || !inf.phrases.is_empty()
                || !inf.modifiers.is_empty()
                || inf.has(Role::DurationFiller);
        }
        for k in 0..self.tense.len() {
            let ids = self.intern_all(&self.tense[k].0.clone());
            if let Some(&first) = ids.first() {
                self.info[first as usize].tense.push(k as u16);
            }
            self.tense_ids.push(ids);
        }
        for k in 0..self.duration_prefixes.len() {
            let ids = self.intern_all(&self.duration_prefixes[k].clone());
            if let Some(&first) = ids.first() {
                self.info[first as usize].duration_prefixes.push(k as u16);
            }
            self.duration_prefix_ids.push(ids);
        }
        for p in &self.duration_prefix_ids {
            if let Some(&first) = p.first() {
                self.info[first as usize].starts = true;
            }
        }
    }

    /// The vocabulary id of a lower-case word ([`UNKNOWN`] when no table has it).
    pub fn id(&self, word: &str) -> u32 {
        let Some(&b) = word.as_bytes().first() else {
            return UNKNOWN;
        };
        if self.first_len[usize::from(b)] & (1 << word.len().min(63)) == 0 {
            return UNKNOWN;
        }
        self.vocab.get(word).copied().unwrap_or(UNKNOWN)
    }

    /// What the tables say about word `id`.
    pub fn info(&self, id: u32) -> &WordInfo {
        self.info.get(id as usize).unwrap_or(&self.info[0])
    }

    /// True when `word` (lower case) has `role` in context.tsv.
    #[cfg(test)]
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

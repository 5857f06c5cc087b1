//! onrecord-time: time expressions normalised to TimeML TIMEX3.
//!
//! [`TimeTagger`] runs after `onrecord_core::text::TextLayer`. A hand-written grammar over the
//! token layer (`grammar`) finds expressions and builds their values; `resolve` anchors relative
//! ones on the publication date (never on the clock), turning bare weekdays, months, quarters
//! and seasons backwards or forwards by the tense of the sentence around them. The linguistic
//! knowledge (names, number words, units, modifier and tense cues) lives in `data/*.tsv`.

mod grammar;
mod lexicon;
mod resolve;
mod words;

use chrono::NaiveDate;
use onrecord_core::{Component, Document, Error, Span, Timex, TimexType};

use crate::grammar::{tense_hits, tense_near_in, Cand, Grammar};
use crate::lexicon::Lexicon;
use crate::resolve::{resolve, Ctx, Val};

/// Finds time expressions and fills `doc.times`.
#[derive(Debug, Clone)]
pub struct TimeTagger {
    lex: Lexicon,
}

impl Default for TimeTagger {
    fn default() -> Self {
        TimeTagger::new()
    }
}

impl TimeTagger {
    pub fn new() -> Self {
        TimeTagger {
            lex: Lexicon::builtin(),
        }
    }

    /// The time expressions of `doc` (which must have its text layer), in text order.
    pub fn tag(&self, doc: &Document) -> Vec<Timex> {
        let anchor = doc
            .published_date()
            .and_then(|d| NaiveDate::from_ymd_opt(d.year, d.month, d.day));
        let mut out: Vec<Timex> = Vec::new();
        // The last full date mentioned, for "the day".
        let mut reference: Option<NaiveDate> = None;
        let mut ws = Vec::new();
        // Lower-cased once per document; ASCII pieces borrow from it.
        let lower = doc.text.to_ascii_lowercase();
        let text = words::Text {
            text: &doc.text,
            lower: &lower,
        };
        for s in &doc.sentences {
            let Some(tokens) = doc.tokens.get(s.tokens.clone()) else {
                continue;
            };
            words::pieces_into(text, tokens, &self.lex, &mut ws);
            let cands = Grammar::new(&self.lex, &ws).find();
            if cands.is_empty() {
                continue;
            }
            let mut hits = None;
            let mut found: Vec<(usize, Timex, Option<NaiveDate>)> = Vec::new();
            let mut clocks = Vec::new();
            for (ci, c) in cands.iter().enumerate() {
                if matches!(c.val, Val::Clock { date: None, .. }) {
                    clocks.push(ci);
                    continue;
                }
                let ctx = Ctx {
                    anchor,
                    tense: tense_near_in(
                        hits.get_or_insert_with(|| tense_hits(&self.lex, &ws)),
                        c.start,
                        c.end,
                    ),
                    reference,
                };
                let r = resolve(&c.val, &ctx);
                if r.day.is_some() {
                    reference = r.day;
                }
                found.push((ci, self.timex(&ws, c, r.value, r.resolved), r.day));
            }
            // A clock time without its own day takes the day mentioned just after it
            // ("at 10 a.m. on Monday"), else the last one before it in the sentence.
            for ci in clocks {
                let c = &cands[ci];
                let after = found
                    .iter()
                    .find(|(j, _, d)| *j == ci + 1 && d.is_some() && cands[*j].start <= c.end + 2);
                let before = found.iter().rev().find(|(j, _, d)| *j < ci && d.is_some());
                let day = after.or(before).and_then(|x| x.2).or(anchor);
                let ctx = Ctx {
                    anchor,
                    tense: None,
                    reference: day,
                };
                let r = resolve(&c.val, &ctx);
                found.push((ci, self.timex(&ws, c, r.value, r.resolved), None));
            }
            found.sort_by_key(|(ci, _, _)| *ci);
            for (_, t, _) in found {
                if out.last().is_none_or(|l| l.span.end <= t.span.start) && !t.span.is_empty() {
                    out.push(t);
                }
            }
        }
        out
    }

    fn timex(&self, ws: &[words::W], c: &Cand, value: String, resolved: bool) -> Timex {
        // Widen to whole hyphenated words ("decades-long", "mid-2011").
        let mut a = c.start.min(ws.len().saturating_sub(1));
        while a > 0 && ws[a].hyph {
            a -= 1;
        }
        let mut b = c
            .end
            .saturating_sub(1)
            .max(a)
            .min(ws.len().saturating_sub(1));
        while b + 1 < ws.len() && ws[b + 1].hyph {
            b += 1;
        }
        let span = match (ws.get(a), ws.get(b)) {
            (Some(x), Some(y)) => Span::new(x.span.start, y.span.end),
            _ => Span::default(),
        };
        Timex {
            span,
            kind: c.kind,
            value,
            modifier: c.modifier.clone(),
            resolved,
        }
    }
}

impl Component for TimeTagger {
    fn name(&self) -> &'static str {
        "time"
    }

    fn process(&self, doc: &mut Document) -> Result<(), Error> {
        doc.times = self.tag(doc);
        Ok(())
    }
}

/// Index into `doc.times` of the first DATE or TIME expression inside sentence `sentence`,
/// for attaching a time to a statement ("The Kremlin on Monday denied ...").
pub fn time_in_sentence(doc: &Document, sentence: usize) -> Option<usize> {
    let s = doc.sentences.get(sentence)?;
    doc.times.iter().position(|t| {
        s.span.contains(t.span) && matches!(t.kind, TimexType::Date | TimexType::Time)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use onrecord_core::text::TextLayer;
    use onrecord_core::{Field, FieldSource};

    fn run(text: &str, published: Option<&str>) -> Document {
        let mut doc = Document::new("t", text);
        doc.meta.published = published.map(|p| Field::new(p, FieldSource::Jsonl));
        TextLayer::new().process(&mut doc).unwrap();
        TimeTagger::new().process(&mut doc).unwrap();
        doc
    }

    fn vals(doc: &Document) -> Vec<(&str, &str, bool)> {
        doc.times
            .iter()
            .map(|t| (doc.slice(t.span), t.value.as_str(), t.resolved))
            .collect()
    }

    #[test]
    fn resolves_against_the_publication_date() {
        let d = run(
            "He said on Thursday that talks began last year. The vote will be held on Friday.",
            Some("2024-11-11"),
        );
        assert_eq!(
            vals(&d),
            [
                ("Thursday", "2024-11-07", true),
                ("last year", "2023", true),
                ("Friday", "2024-11-15", true)
            ]
        );
    }

    #[test]
    fn without_publication_date_values_stay_open() {
        let d = run("He said on Thursday that talks began last year, three days ago, yesterday. In 2008 it rained.", None);
        assert_eq!(
            vals(&d),
            [
                ("Thursday", "XXXX-WXX-4", false),
                ("last year", "XXXX", false),
                ("three days ago", "XXXX-XX-XX", false),
                ("yesterday", "XXXX-XX-XX", false),
                ("2008", "2008", true)
            ]
        );
    }

    #[test]
    fn clock_time_takes_the_day_of_its_sentence() {
        let d = run(
            "The plane flew Tuesday in Everett at 18:00 UTC.",
            Some("2009-12-16"),
        );
        assert_eq!(vals(&d)[1], ("18:00 UTC", "2009-12-15T18:00Z", true));
        let d = run(
            "Markets opened at 10:30 a.m. on Monday.",
            Some("2009-06-03"),
        );
        assert_eq!(vals(&d)[0], ("10:30 a.m.", "2009-06-01T10:30", true));
    }

    #[test]
    fn seasons_quarters_weeks() {
        let d = run(
            "Sales rose in the third quarter, next week and in spring 2009.",
            Some("2009-11-03"),
        );
        assert_eq!(
            vals(&d),
            [
                ("the third quarter", "2009-Q3", true),
                ("next week", "2009-W46", true),
                ("spring 2009", "2009-SP", true)
            ]
        );
    }

    #[test]
    fn time_in_sentence_finds_first_date() {
        let d = run(
            "It rained for three days. The Kremlin on Monday denied it.",
            Some("2024-11-11"),
        );
        assert_eq!(time_in_sentence(&d, 0), None);
        let i = time_in_sentence(&d, 1).unwrap();
        assert_eq!(d.slice(d.times[i].span), "Monday");
        assert_eq!(time_in_sentence(&d, 9), None);
    }

    #[test]
    fn no_panic_on_odd_text() {
        for t in [
            "",
            "’",
            "-",
            "the",
            "a.m.",
            "May",
            "12:",
            "31/31/31",
            "’90s’s",
            "mid-",
            "--2008--",
            "Q9",
            "every",
            "the the of",
        ] {
            let _ = run(t, Some("2024-02-29"));
            let _ = run(t, None);
        }
    }
}

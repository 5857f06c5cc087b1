//! Roles and titles attached to a person's name: before it ("Kremlin spokesman Dmitry Peskov")
//! and in an appositive after it ("Rob Bauer, the chairman of NATO’s Military Committee, said").

use onrecord_core::{Role, Span};

use crate::context::Ctx;
use crate::lexicon::{FuncClass, Gender};

/// What stands before a name: a role phrase, or an honorific ("Mr.").
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PreRole {
    pub role: Option<Role>,
    /// First token of the phrase, where the noun phrase of the name starts.
    pub start: usize,
    pub gender: Option<Gender>,
}

/// Most words a role phrase runs back from the name.
const MAX_PRE: usize = 6;

/// A capitalised token that may be part of a role phrase as its affiliation ("Kremlin",
/// "Russian"): it must lie in a recognised name, and not be a day or month.
fn affiliation_word(ctx: &Ctx, i: usize) -> bool {
    ctx.is_cap(i)
        && ctx.in_mention.get(i).copied().unwrap_or(false)
        && !ctx.is(i, FuncClass::Time)
        && !ctx.is(i, FuncClass::Det)
        && ctx.lex.pronoun(ctx.text(i)).is_none()
}

/// The first run of affiliation words among tokens a..b, as a span without possessive ending.
fn affiliation_in(ctx: &Ctx, a: usize, b: usize, allow_role_words: bool) -> Option<Span> {
    let mut i = a;
    while i < b {
        let is_aff = |j: usize| {
            ctx.is_cap(j)
                && !ctx.is(j, FuncClass::Det)
                && !ctx.is(j, FuncClass::Time)
                && (allow_role_words || (ctx.lex.role(ctx.text(j)).is_none() && !ctx.lex.is_modifier(ctx.text(j))))
        };
        if is_aff(i) {
            let start = i;
            let mut end = i;
            let mut j = i + 1;
            // A possessive ends the run ("NATO’s" in "NATO’s Military Committee" keeps going,
            // as the committee is NATO's), so only stop at a non-name word; "of"/"and" may
            // join two capitalised parts ("Ministry of Foreign Affairs").
            while j < b {
                if is_aff(j) {
                    end = j;
                    j += 1;
                } else if matches!(ctx.text(j), "of" | "and" | "for" | "&") && j + 1 < b && is_aff(j + 1) {
                    j += 1;
                } else {
                    break;
                }
            }
            return Some(ctx.span_no_poss(start, end));
        }
        i += 1;
    }
    None
}

/// The role phrase or honorific directly before the name starting at token `name_start`.
pub(crate) fn pre_role(ctx: &Ctx, name_start: usize) -> Option<PreRole> {
    if name_start == 0 || !ctx.same_sent(name_start - 1, name_start) {
        return None;
    }
    let mut head = name_start - 1;
    // "Mr ." when the tokenizer kept the dot apart.
    if ctx.text(head) == "."
        && head > 0
        && ctx.same_sent(head - 1, name_start)
        && ctx.lex.role(ctx.text(head - 1)).is_some_and(|r| r.honorific)
    {
        head -= 1;
    }
    if !ctx.is_word(head) {
        return None;
    }
    let rw = ctx.lex.role(ctx.text(head))?;
    if rw.honorific {
        return Some(PreRole { role: None, start: head, gender: rw.gender });
    }
    let gender = rw.gender;
    let first = ctx.sent_first(head);
    let mut start = head;
    while start > first && head - start + 1 < MAX_PRE {
        let k = start - 1;
        let w = ctx.text(k);
        let ok = ctx.is_word(k)
            && !ctx.is(k, FuncClass::Det)
            && (ctx.lex.role_noun(w).is_some() || ctx.lex.is_modifier(w) || affiliation_word(ctx, k));
        if !ok {
            break;
        }
        start = k;
    }
    let affiliation = affiliation_in(ctx, start, head, false);
    Some(PreRole { role: Some(Role { span: ctx.span(start, head), affiliation }), start, gender })
}

/// Most tokens in an appositive.
const MAX_APPOS: usize = 16;
/// Most tokens before the role head in an appositive.
const MAX_APPOS_HEAD: usize = 6;

/// The role in an appositive after a name ending before token `after`:
/// "X, Trump communications director, said", "X, the chairman of NATO’s Military Committee,",
/// "X, a spokesman for Y.", "X, who is the ...".
pub(crate) fn appositive(ctx: &Ctx, after: usize) -> Option<(Role, Option<Gender>)> {
    if ctx.text(after) != "," || after == 0 || !ctx.same_sent(after - 1, after) {
        return None;
    }
    let end_sent = ctx.sent_end(after);
    let mut i = after + 1;
    if ctx.text(i) == "who" {
        i += 1;
        while i < end_sent && ctx.is(i, FuncClass::Copula) {
            i += 1;
        }
    }
    if matches!(ctx.text(i), "the" | "a" | "an") {
        i += 1;
    }
    if i >= end_sent || !ctx.is_word(i) {
        return None;
    }
    // The appositive runs to the next break (comma, dash, full stop, quote mark) or the end
    // of the sentence; a phrase that does not stop is no appositive.
    let mut end = i;
    while end < end_sent && !ctx.is_break(end) && end - i < MAX_APPOS {
        end += 1;
    }
    if end - i >= MAX_APPOS || end == i {
        return None;
    }
    let prep = (i + 1..end).find(|&k| matches!(ctx.text(k), "of" | "for" | "at" | "in" | "with" | "to" | "on"));
    let head_end = prep.unwrap_or(end);
    if head_end - i > MAX_APPOS_HEAD || !(i..head_end).all(|k| ctx.is_word(k)) {
        return None;
    }
    let head = head_end - 1;
    let rw = ctx.lex.role_noun(ctx.text(head))?;
    // A pronoun or clause word inside means this is a clause, not a description.
    if (i..head_end).any(|k| ctx.lex.pronoun(ctx.text(k)).is_some() || ctx.is(k, FuncClass::Clause)) {
        return None;
    }
    let affiliation = match prep {
        Some(p) => {
            let mut a = p + 1;
            if ctx.is(a, FuncClass::Det) {
                a += 1;
            }
            affiliation_in(ctx, a, end, true)
        }
        None => affiliation_in(ctx, i, head, false),
    };
    Some((Role { span: ctx.span(i, end - 1), affiliation }, rw.gender))
}

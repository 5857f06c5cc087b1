//! From the recogniser's name mentions to clean names: titles cut off and kept as roles,
//! possessive endings dropped, possessors inside names found, person cues gathered.

use onrecord_core::{EntityType, Role, Span, TokenKind};

use crate::context::Ctx;
use crate::lexicon::{FuncClass, Gender};
use crate::recognize::NameMention;
use crate::roles::{appositive, pre_role};

/// One proper-name mention after cleaning.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NameRef {
    /// The name: no title, no possessive ending.
    pub span: Span,
    /// Its tokens (the last may carry the possessive ending).
    pub toks: std::ops::Range<usize>,
    pub kind: EntityType,
    /// Written as a possessor ("Trump’s team").
    pub possessive: bool,
    /// Roles written with this mention.
    pub roles: Vec<Role>,
    /// Where the noun phrase starts (the title or role before the name, if any).
    pub np_start: usize,
    pub gender: Option<Gender>,
    /// Lower-cased words without dots or possessive ending, leading article dropped.
    pub words: Vec<String>,
}

impl NameRef {
    pub fn key(&self) -> String {
        self.words.join(" ")
    }
}

fn trim_toks(ctx: &Ctx, mut r: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let wordish = |i: usize| matches!(ctx.doc.tokens.get(i).map(|t| t.kind), Some(TokenKind::Word | TokenKind::Number));
    while r.start < r.end && !wordish(r.start) {
        r.start += 1;
    }
    while r.end > r.start && !wordish(r.end - 1) {
        r.end -= 1;
    }
    r
}

/// Where the name proper starts inside a mention that begins with titles
/// ("Russian President Vladimir Putin" -> "Vladimir Putin"), or `toks.start`.
fn strip_titles(ctx: &Ctx, toks: &std::ops::Range<usize>, kind: EntityType) -> usize {
    if !matches!(kind, EntityType::Person | EntityType::Misc) || toks.len() < 2 {
        return toks.start;
    }
    let is_role = |i: usize| ctx.lex.role(ctx.text(i)).is_some();
    // The last title word that still leaves a name after it with no title word in it.
    let Some(k) = (toks.start..toks.end - 1).rev().find(|&i| is_role(i)) else {
        return toks.start;
    };
    if (k + 1..toks.end).any(is_role) || !ctx.is_cap(k) {
        return toks.start;
    }
    let prefix_ok = (toks.start..k)
        .all(|i| ctx.is_cap(i) || ctx.lex.is_modifier(ctx.text(i)) || is_role(i) || ctx.text(i) == ".");
    let rest = toks.end - (k + 1);
    let amb = ctx.lex.role(ctx.text(k)).is_some_and(|r| r.ambiguous);
    // A tagger's MISC guess could be "General Motors": a lone ambiguous title needs a full name after it.
    let sure = kind == EntityType::Person || rest >= 2 || !amb;
    // "Mrs . Clinton" when the tokenizer keeps the dot apart.
    let name = if ctx.text(k + 1) == "." && k + 2 < toks.end { k + 2 } else { k + 1 };
    if prefix_ok && sure && ctx.is_cap(name) {
        name
    } else {
        toks.start
    }
}

fn words_of(ctx: &Ctx, toks: std::ops::Range<usize>) -> Vec<String> {
    let mut w: Vec<String> = toks.filter(|&i| ctx.is_word(i) || ctx.doc.tokens[i].kind == TokenKind::Number).map(|i| ctx.key(i)).collect();
    if w.len() > 1 && w[0] == "the" {
        w.remove(0);
    }
    w
}

/// Cleans the recogniser's mentions, in text order. Marks mention tokens in `ctx.in_mention`.
pub(crate) fn name_refs(ctx: &mut Ctx, mentions: &[NameMention]) -> Vec<NameRef> {
    let mut ms: Vec<NameMention> = mentions
        .iter()
        .filter(|m| !m.span.is_empty() && m.span.is_valid_in(&ctx.doc.text) && m.span.end <= ctx.doc.text.len())
        .copied()
        .collect();
    ms.sort_by_key(|m| (m.span.start, std::cmp::Reverse(m.span.end)));
    let mut kept: Vec<(std::ops::Range<usize>, EntityType, Span)> = Vec::new();
    let mut last_end = 0;
    for m in ms {
        // Tokens overlapping the mention (a tagger may cut "Trump" out of "Trump’s").
        let a = ctx.doc.tokens.partition_point(|t| t.span.end <= m.span.start);
        let b = ctx.doc.tokens.partition_point(|t| t.span.start < m.span.end);
        let toks = trim_toks(ctx, a..b.max(a));
        if toks.is_empty() || (toks.start < last_end) {
            continue; // overlapping mentions: the first (longest) wins
        }
        last_end = toks.end;
        kept.push((toks, m.kind, m.span));
    }
    for (t, _, _) in &kept {
        for i in t.clone() {
            ctx.in_mention[i] = true;
        }
    }
    let mut out = Vec::new();
    for (toks, mut kind, given) in kept {
        // Possessors inside a name: "NATO" in "NATO’s Military Committee".
        for k in toks.start..toks.end - 1 {
            if ctx.is_possessive(k) && ctx.is_cap(toks.start) {
                let inner = toks.start..k + 1;
                out.push(NameRef {
                    span: ctx.span_no_poss(inner.start, k),
                    words: words_of(ctx, inner.clone()),
                    toks: inner.clone(),
                    kind: EntityType::Misc,
                    possessive: true,
                    roles: Vec::new(),
                    np_start: inner.start,
                    gender: None,
                });
            }
        }
        let start = strip_titles(ctx, &toks, kind);
        let name = start..toks.end;
        let last = toks.end - 1;
        // Plural possessive: "Republicans’" (the apostrophe is a token of its own).
        let plural_poss = ctx.text(last).ends_with('s')
            && ctx.doc.tokens.get(last + 1).is_some_and(|t| {
                t.kind == TokenKind::QuoteMark
                    && t.span.start == ctx.doc.tokens[last].span.end
                    && onrecord_core::text::is_apostrophe(ctx.text(last + 1).chars().next().unwrap_or(' '))
                    && ctx.doc.tokens.get(last + 2).is_none_or(|n| n.span.start > t.span.end)
            });
        let possessive = ctx.is_possessive(last) || plural_poss;
        let mut span = ctx.span_no_poss(name.start, last);
        // Never wider than the mention given, but keep an abbreviation's dot ("Inc.").
        span.start = span.start.max(given.start).min(span.end);
        span.end = span.end.min(given.end).max(span.start);
        if let Some(dot) = ctx.doc.tokens.get(last + 1) {
            if ctx.text(last + 1) == "." && dot.span.start == span.end && dot.span.end <= given.end {
                span.end = dot.span.end;
            }
        }
        let personish = matches!(kind, EntityType::Person | EntityType::Misc);
        let mut roles = Vec::new();
        let mut np_start = name.start;
        let mut gender = None;
        let mut person_cue = false;
        if personish {
            if let Some(pre) = pre_role(ctx, name.start) {
                np_start = pre.start;
                gender = pre.gender;
                person_cue = true;
                roles.extend(pre.role);
            }
            if !possessive {
                if let Some((r, g)) = appositive(ctx, toks.end) {
                    roles.push(r);
                    gender = gender.or(g);
                    person_cue = true;
                }
            }
            if name.len() >= 2 {
                if let Some(g) = ctx.lex.given_name(ctx.text(name.start)) {
                    gender = gender.or(Some(g));
                    person_cue = true;
                }
            }
        }
        let words = words_of(ctx, name.clone());
        if kind == EntityType::Misc {
            let org_suffix = ctx.lex.org_word(ctx.text(last)).is_some_and(|o| o.suffix) && name.len() >= 2;
            if org_suffix {
                kind = EntityType::Org;
            } else if person_cue {
                kind = EntityType::Person;
            }
        }
        // A determiner before the name belongs to the noun phrase ("the Kremlin").
        if np_start > 0 && ctx.same_sent(np_start - 1, np_start) && ctx.is(np_start - 1, FuncClass::Det) {
            np_start -= 1;
        }
        if words.is_empty() {
            continue;
        }
        out.push(NameRef { span, toks: name, kind, possessive, roles, np_start, gender, words });
    }
    out.sort_by_key(|n| (n.span.start, n.span.end));
    out
}
